"""The one way a `looker-braze` command ends in an error: one line on stderr per problem, prefixed
with the command, and an exit code. Commands raise; nothing else prints errors or picks codes.

Exit codes, the same for every command:

    0    done
    1    done, but not everything succeeded: `check` found a problem, the hub answered a `send`
         without success, some Currents files could not be loaded, LookML has problems
    2    could not run: bad options or settings, a missing file, an unreachable hub or warehouse,
         a port it cannot listen on (the message says what to fix); also click's usage errors
    130  interrupted (Ctrl-C)

What becomes code 2: errors.py's ConfigError (one line per problem), any other
LookerBrazeError (FailRun, RejectRequest ...) and OSError (a file, a socket). Anything else is a
bug and keeps its traceback.
"""

from __future__ import annotations

import errno
import socket
from typing import NoReturn

import typer
from typer.core import TyperGroup

OK, NOT_ALL_DONE, CANNOT_RUN, INTERRUPTED = 0, 1, 2, 130


class CommandGroup(TyperGroup):
    """A typer group whose commands' errors go through ``fail`` (the app, `runs`, `currents`)."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            fail(_command(ctx), ["interrupted"], INTERRUPTED)
        except Exception as exc:
            lines = problems(exc)
            if lines is None:
                raise
            fail(_command(ctx), lines)


def problems(exc: BaseException) -> list[str] | None:
    """What to tell the user about ``exc``, a line per problem; None for a bug."""
    from looker_braze.errors import ConfigError, LookerBrazeError

    if isinstance(exc, ConfigError):
        return list(exc.problems)
    if isinstance(exc, LookerBrazeError):
        return [str(exc)]
    if isinstance(exc, OSError):
        return [_os_problem(exc)]
    return None


def fail(command: str, lines: list[str], code: int = CANNOT_RUN) -> NoReturn:
    for line in lines:
        first, *rest = str(line).splitlines() or [""]
        typer.echo(f"{command}: {first}", err=True)
        for more in rest:  # a message of several lines stays readable, indented under its head
            typer.echo(f"  {more}", err=True)
    raise typer.Exit(code)


def _command(ctx) -> str:
    """`looker-braze currents run`, whatever the program was called (python -m, a script)."""
    names, node = [], ctx
    while node.parent is not None:
        names.append(node.info_name)
        node = node.parent
    failed = [ctx.invoked_subcommand] if ctx.invoked_subcommand else []
    return " ".join(["looker-braze", *reversed(names), *failed])


def _os_problem(exc: OSError) -> str:
    where = f"{exc.filename}: " if exc.filename else ""
    return f"{where}{exc.strerror or exc}"


def listen(host: str, port: int) -> socket.socket:
    """A bound, listening socket, or ConfigError saying in one line why not (port in use, not an
    address of this machine, no permission, not a port)."""
    from looker_braze.errors import ConfigError
    from looker_braze.serving import bind_socket

    if not 0 <= port <= 65535:
        raise ConfigError(
            [f"port {port} is not a port number: use 1-65535, or 0 for any free port"]
        )
    try:
        return bind_socket(host, port)
    except socket.gaierror:
        raise ConfigError(
            [f"cannot listen on {host!r}: not an address of this machine, nor a name it knows"]
        ) from None
    except OSError as exc:
        raise ConfigError([_bind_problem(host, port, exc)]) from None


def _bind_problem(host: str, port: int, exc: OSError) -> str:
    if exc.errno == errno.EADDRINUSE:
        return (
            f"port {port} on {host} is in use: stop what listens there, or choose another port "
            "(--port, or 0 for any free port)"
        )
    if exc.errno == errno.EADDRNOTAVAIL:
        return f"cannot listen on {host}: it is not an address of this machine"
    if exc.errno == errno.EACCES:
        return f"no permission to listen on port {port} (ports below 1024 need privileges)"
    return f"cannot listen on {host}:{port}: {exc.strerror or exc}"
