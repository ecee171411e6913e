"""Notes: short notes per user. The service's own module, not the template's."""
