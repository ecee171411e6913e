"""The service's import package. Start reading at `app.main.create_app`."""
