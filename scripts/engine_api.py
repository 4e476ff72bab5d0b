"""The Docker Engine's API on its Unix socket, for the benchmark scripts (they measure engine
floors and read containers' files straight on the API)."""
import http.client
import socket

SOCK = "/var/run/docker.sock"


class UnixHTTP(http.client.HTTPConnection):
    """An HTTP connection to the engine's socket."""

    def __init__(self):
        super().__init__("localhost")

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(SOCK)
