"""A local image server for the fetcher's tests: a threaded http.server on 127.0.0.1 (which the
fetcher reaches only through the tests' NEWSROOM_FETCH_ALLOW_HOSTS), and pictures made by Pillow."""

import io
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from PIL import Image as PILImage


def picture(width=1600, height=900, fmt="JPEG", orientation=None, color=(200, 60, 30)):
    out = io.BytesIO()
    img = PILImage.linear_gradient("L").resize((width, height)).convert("RGB")
    img = PILImage.blend(img, PILImage.new("RGB", (width, height), color), 0.6)
    exif = PILImage.Exif()
    if orientation:
        exif[0x0112] = orientation
    img.save(out, format=fmt, **({"exif": exif} if orientation else {}))
    return out.getvalue()


class ImageServer:
    """A threaded HTTP server on 127.0.0.1: path -> (status, headers, body, delay seconds)."""

    def __init__(self):
        self.routes, self.hits, self.hosts = {}, [], []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                server.hits.append(self.path)
                server.hosts.append(self.headers.get("Host"))
                status, headers, body, delay = server.routes.get(self.path, (404, {}, b"", 0))
                if delay:
                    time.sleep(delay)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                if "Content-Length" not in headers and body is not None:
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    self.wfile.write(body or b"")
                except OSError:  # the fetcher hung up (a refused size, a time-out)
                    pass

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def serve(self, path, body, *, status=200, content_type="image/jpeg", delay=0, headers=None):
        self.routes[path] = (status, {"Content-Type": content_type, **(headers or {})}, body, delay)
        return self.url(path)


@pytest.fixture
def server():
    image_server = ImageServer()
    image_server.thread.start()
    yield image_server
    image_server.httpd.shutdown()
    image_server.httpd.server_close()
