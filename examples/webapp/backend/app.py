"""The backend: counts visits in Redis and records each one in PostgreSQL."""
import os

import psycopg2
import redis
from fastapi import FastAPI

app = FastAPI()
cache = redis.Redis(host=os.environ["REDIS_HOST"], port=6379)


def database():
    return psycopg2.connect(
        host=os.environ["DB_HOST"],
        dbname="app",
        user="app",
        password=os.environ["POSTGRES_PASSWORD"],
    )


@app.on_event("startup")
def create_table():
    with database() as conn, conn.cursor() as cur:
        cur.execute(
            "CREATE TABLE IF NOT EXISTS visits ("
            " id SERIAL PRIMARY KEY, at TIMESTAMPTZ NOT NULL DEFAULT now(), count INTEGER NOT NULL)"
        )


@app.get("/api/health")
def health():
    cache.ping()
    return {"status": "ok"}


@app.get("/api/visit")
def visit():
    count = cache.incr("visits")
    with database() as conn, conn.cursor() as cur:
        cur.execute("INSERT INTO visits (count) VALUES (%s)", (count,))
        cur.execute("SELECT count(*) FROM visits")
        rows = cur.fetchone()[0]
    return {"visits": count, "rows": rows}
