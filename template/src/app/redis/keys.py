"""Where each kind of value lives under `REDIS_KEY_PREFIX`."""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Keys:
    """Key names for one prefix; nothing the module writes falls outside it."""

    prefix: str

    def cache(self, key: str = "") -> str:
        return f"{self.prefix}cache:{key}"

    def once(self, key: str = "") -> str:
        """One-time values (OAuth state, codes): the ephemeral store."""
        return f"{self.prefix}once:{key}"

    def session(self, session_id: object = "") -> str:
        return f"{self.prefix}session:{session_id}"

    def session_generation(self, session_id: object) -> str:
        return f"{self.prefix}generation:session:{session_id}"

    def user_generation(self, user_id: object) -> str:
        return f"{self.prefix}generation:user:{user_id}"

    def limits(self) -> str:
        """The `limits` library's own prefix (it adds `:` and its key)."""
        return f"{self.prefix}limits"

    def namespaces(self) -> dict[str, str]:
        """Each kind of key by name, as a SCAN pattern."""
        return {
            "cache": self.cache("*"),
            "session_cache": self.session("*"),
            "session_generations": f"{self.prefix}generation:*",
            "one_time_values": self.once("*"),
            "rate_limits": f"{self.limits()}:*",
        }
