"""The HTTP service (``diagtree serve``): sessions over HTTP for agent desktops and CRMs.

app.py the routes, auth.py who may ask, store.py where sessions live, problems.py the RFC 9457
problem documents, config.py the config file, knowledge.py the engine and its hash, models.py
the request and response bodies, console/ the agent console page. Needs the ``[service]``
extra (FastAPI, uvicorn). docs/service.md is the guide.
"""
