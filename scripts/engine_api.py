"""The Docker Engine's API on its Unix socket, for the benchmark scripts (they measure engine
floors and read containers' files straight on the API)."""
import http.client
import json
import socket
import subprocess
import urllib.parse

SOCK = "/var/run/docker.sock"


class UnixHTTP(http.client.HTTPConnection):
    """An HTTP connection to the engine's socket."""

    def __init__(self):
        super().__init__("localhost")

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(SOCK)


def call(method, path):
    """One call; the decoded JSON answer (None when empty)."""
    c = UnixHTTP()
    c.request(method, path)
    body = c.getresponse().read()
    c.close()
    return json.loads(body) if body.strip() else None


def cache_records():
    """The build cache's records, ID → description (API 1.41's shape)."""
    answer = call("GET", "/system/df?type=build-cache") or {}
    return {c["ID"]: c.get("Description", "") for c in answer.get("BuildCache") or []}


def prune_cache(keep):
    """Removes the build cache records `keep(id, description)` refuses; those that others build
    on go in later rounds."""
    for _ in range(10):
        ids = [i for i, d in cache_records().items() if not keep(i, d)]
        if not ids:
            return
        for i in ids:
            f = urllib.parse.quote(json.dumps({"id": {i: True}}))
            call("POST", f"/build/prune?all=1&filters={f}")


def image_ids():
    """Every image's ID, intermediate ones included."""
    out = subprocess.run(["docker", "images", "-aq", "--no-trunc"], capture_output=True,
                         text=True, check=True).stdout
    return set(out.split())


def remove_images_since(before):
    """Removes every image made since `before` (a set of IDs); children go before parents."""
    for _ in range(3):
        new = image_ids() - before
        if not new:
            return
        subprocess.run(["docker", "rmi", "-f", *new], capture_output=True)
