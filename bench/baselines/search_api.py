# The architecture's original api-service stack, minimal and faithful: FastAPI + a PyJWT middleware + numpy exact search.
#
# Debian packages only (python3-fastapi python3-uvicorn python3-jwt python3-numpy). Run by the bench:
#   BASELINE_DATA=<dir> JWT_SECRET=<secret> /usr/bin/python3 -m uvicorn search_api:app --port N --workers 1
# <dir> holds what the bench wrote for the same corpus our service indexes:
#   vectors.f32  (chunks x dims float32, row-major, unit length)
#   chunks.jsonl (one chunk per line: id, title, headingPath, route, path, text)
#   queries.json ([{"text", "vector"}]: the query embeddings our service gets from the embedding server)
import json
import os
import time

import jwt
import numpy as np
from fastapi import FastAPI
from pydantic import BaseModel, Field

DATA = os.environ["BASELINE_DATA"]
JWT_SECRET = os.environ["JWT_SECRET"]
BOOK_BASE_URL = os.environ.get("BOOK_BASE_URL", "http://localhost:3000")

with open(os.path.join(DATA, "chunks.jsonl"), encoding="utf-8") as f:
    CHUNKS = [json.loads(line) for line in f if line.strip()]
MATRIX = np.fromfile(os.path.join(DATA, "vectors.f32"), dtype=np.float32).reshape(len(CHUNKS), -1)
# Cosine = dot product of unit vectors; normalise once in case the input is not.
MATRIX /= np.linalg.norm(MATRIX, axis=1, keepdims=True)
with open(os.path.join(DATA, "queries.json"), encoding="utf-8") as f:
    # The embedding call is replaced by a lookup: the baseline pays nothing for it (our service pays an HTTP call).
    QUERY_VECTORS = {q["text"]: np.asarray(q["vector"], dtype=np.float32) for q in json.load(f)}


def unauthorized(message):
    body = json.dumps({"error": {"code": "TOKEN_INVALID", "message": message}}).encode()
    return 401, body


class JWTMiddleware:
    """Pure ASGI middleware (the fastest kind in Starlette): HS256 with audience and issuer, before any work."""

    def __init__(self, app, public_paths=("/health",)):
        self.app = app
        self.public_paths = public_paths

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["path"] in self.public_paths:
            return await self.app(scope, receive, send)
        auth = dict(scope["headers"]).get(b"authorization", b"").decode("latin-1")
        status, body = None, None
        if not auth.startswith("Bearer "):
            status, body = unauthorized("missing bearer token")
        else:
            try:
                claims = jwt.decode(
                    auth[7:],
                    JWT_SECRET,
                    algorithms=["HS256"],
                    audience="api-service",
                    issuer="auth-service",
                    leeway=30,
                    options={"require": ["exp", "iat", "iss", "aud", "sub"]},
                )
                scope.setdefault("state", {})["user"] = claims
            except jwt.PyJWTError as e:
                status, body = unauthorized(str(e))
        if status is not None:
            await send(
                {
                    "type": "http.response.start",
                    "status": status,
                    "headers": [(b"content-type", b"application/json"), (b"www-authenticate", b'Bearer error="invalid_token"')],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return
        return await self.app(scope, receive, send)


app = FastAPI()
app.add_middleware(JWTMiddleware)


class SearchBody(BaseModel):
    query: str = Field(min_length=1, max_length=4000)
    limit: int = Field(default=5, ge=1, le=20)


@app.get("/health")
def health():
    return {"status": "healthy", "service": "api-service-baseline", "chunks": len(CHUNKS)}


@app.post("/v1/search")
def search(body: SearchBody):
    # A plain `def` endpoint: FastAPI runs it in its thread pool, the usual way to keep numpy off the event loop.
    t0 = time.perf_counter()
    q = QUERY_VECTORS.get(body.query)
    if q is None:
        q = np.zeros(MATRIX.shape[1], dtype=np.float32)
        q[hash(body.query) % MATRIX.shape[1]] = 1.0
    scores = MATRIX @ q
    k = min(body.limit, len(CHUNKS))
    top = np.argpartition(-scores, k - 1)[:k]
    top = top[np.argsort(-scores[top])]
    results = []
    for i in top:
        c = CHUNKS[int(i)]
        results.append(
            {
                "id": c["id"],
                "title": c["title"],
                "heading": c["headingPath"][-1] if c["headingPath"] else None,
                "url": BOOK_BASE_URL + c["route"],
                "path": c["path"],
                "score": float(scores[i]),
                "snippet": c["text"][:300],
            }
        )
    return {"results": results, "processing_time_ms": round((time.perf_counter() - t0) * 1000, 3)}
