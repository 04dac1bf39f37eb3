"""The engine's one error type. Codes match the TypeScript side's (src/errors.ts)."""


class EngineError(Exception):
    """A failure the user can act on: bad recipe, missing model, unsupported shape."""

    def __init__(self, code: str, message: str, *, file: str | None = None, field: str | None = None):
        super().__init__(message)
        self.code = code
        self.file = file
        self.field = field

    def describe(self) -> str:
        parts = [p for p in (self.file, f"field '{self.field}'" if self.field else None, str(self)) if p]
        return ": ".join(parts)

    def to_json(self) -> dict:
        return {"code": self.code, "message": self.describe()}
