"""`diagtree serve`: run the HTTP service (needs the ``[service]`` extra: FastAPI, uvicorn).

``diagtree serve --config service.yaml [--host 127.0.0.1] [--port 8080] [--workers 2]
[--store FILE] [--trees DIR]``; ``diagtree serve --hash-key KEY`` prints the SHA-256 that the
config file keeps for a key. docs/service.md is the guide.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

__all__ = ["add_serve"]


def add_serve(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "serve", help="run the HTTP service",
        description="Serve diagnoses and sessions over HTTP (docs/service.md).")
    p.add_argument("--config", metavar="FILE", help="the service's config file (YAML)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8080)
    p.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    p.add_argument("--store", metavar="FILE", help="the SQLite file of the sessions "
                   "(overrides the config's `store`)")
    p.add_argument("--trees", metavar="DIR", help="a knowledge folder (overrides `trees`)")
    p.add_argument("--hash-key", metavar="KEY", help="print the SHA-256 of KEY for the "
                   "config file, and exit")
    p.set_defaults(run=run_serve)


def run_serve(args: argparse.Namespace) -> int:
    if args.hash_key is not None:
        from diagtree._service.auth import hash_key  # noqa: PLC0415

        print(hash_key(args.hash_key))
        return 0
    if not args.config:
        print("diagtree serve: give --config FILE (docs/service.md)", file=sys.stderr)
        return 2
    try:
        import uvicorn  # noqa: PLC0415

        from diagtree._service.config import load_config  # noqa: PLC0415
    except ImportError as exc:
        print(f"diagtree serve: {exc.name} is missing; install diagtree[service]",
              file=sys.stderr)
        return 2
    if args.workers < 1:
        print("diagtree serve: --workers must be at least 1", file=sys.stderr)
        return 2
    load_config(args.config)  # a bad config fails here, once, not in every worker
    os.environ["DIAGTREE_SERVICE_CONFIG"] = os.path.abspath(args.config)
    os.environ["DIAGTREE_SERVICE_OVERRIDES"] = json.dumps(
        {"store": os.path.abspath(args.store) if args.store else None,
         "trees": os.path.abspath(args.trees) if args.trees else None})
    uvicorn.run("diagtree._service.app:app_from_env", factory=True, host=args.host,
                port=args.port, workers=args.workers, proxy_headers=False,
                # longer than a client's idle pool: a kept-alive connection is not closed
                # under a client that is just reusing it (a load balancer's usual 60 s + 15)
                timeout_keep_alive=75,
                server_header=False)
    return 0
