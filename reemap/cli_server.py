"""`reemap serve-features`: every layer as OGC API - Features, through pygeoapi."""

from __future__ import annotations

import argparse
import os
import socket
import tempfile
from pathlib import Path

from geo.errors import InputError
from reemap.registry import EXTENSIONS as _EXTENSIONS
from reemap.registry import command
from reemap.registry import err as _err

#: The port pygeoapi uses by default.
DEFAULT_PORT = 5000


def _check_free(host: str, port: int) -> None:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as sock:
        try:
            sock.bind((host, port))
        except OSError as exc:
            raise InputError(f"cannot listen on {host}:{port} ({exc.strerror}); "
                             "choose another --port or --host") from None


def serve(host: str, port: int, *, data_dir: Path | None = None, url: str | None = None) -> None:
    """Read and check the layers, write pygeoapi's configuration, then serve until stopped.

    Parameters
    ----------
    host, port
        Where to listen (127.0.0.1 unless told otherwise).
    data_dir
        The data folder (the bundled data when omitted); imported layers are added.
    url
        The address clients use, for the links in responses (``http://HOST:PORT``).

    Raises
    ------
    InputError
        pygeoapi is not installed, or the address is taken.
    DataError
        The layers break their schema.
    """
    try:
        import uvicorn

        from reemap import _features
    except ImportError as exc:
        raise InputError(f"serve-features needs pygeoapi ({exc.name} is missing): "
                         "pip install 'reemap[server]'") from None
    _check_free(host, port)
    key = str(data_dir) if data_dir else None
    data = _features.dataset(key)  # read and validated before listening
    shown = f"[{host}]" if ":" in host else host
    base = (url or f"http://{shown}:{port}").rstrip("/")
    folder = Path(tempfile.mkdtemp(prefix="reemap-features-"))
    config, openapi = _features.write_config(
        folder, _features.build_config(data, host=host, port=port, url=base, data_dir=key))
    os.environ["PYGEOAPI_CONFIG"] = str(config)
    os.environ["PYGEOAPI_OPENAPI"] = str(openapi)
    from pygeoapi.starlette_app import APP  # reads the two files above when imported

    layers = ", ".join(f"{name} {len(gdf)}" for name, gdf in data.frames.items())
    _err(f"OGC API - Features at {base}/ ({layers} features); Ctrl+C stops it")
    uvicorn.run(APP, host=host, port=port, log_level="warning", access_log=False)


@command("serve-features")
def _serve_features(args: argparse.Namespace) -> int:
    serve(args.host, args.port, data_dir=args.data_dir, url=args.url)
    return 0


def _server_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    server = sub.add_parser(
        "serve-features",
        help="serve every layer as OGC API - Features (needs the server extra)",
    )
    server.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default 127.0.0.1: this machine only)")
    server.add_argument("--port", type=int, default=DEFAULT_PORT,
                        help=f"port (default {DEFAULT_PORT})")
    server.add_argument("--url", metavar="URL",
                        help="the address clients reach it at, if not http://HOST:PORT")


_EXTENSIONS.append(_server_commands)
