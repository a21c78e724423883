"""The one exception type users see: it names the file, line or config key at fault."""


class LangadaptError(Exception):
    """A problem with the user's input (config, corpus, model) that they can fix."""


def config_error(key: str, message: str) -> LangadaptError:
    """An error about config key ``key`` (dotted path such as ``cpt.grid[0].mixing_ratio``)."""
    return LangadaptError(f"config key '{key}': {message}")


def file_error(path, message: str, line: int | None = None) -> LangadaptError:
    """An error about ``path`` (and 1-based ``line`` when known)."""
    where = f"{path}:{line}" if line is not None else f"{path}"
    return LangadaptError(f"{where}: {message}")
