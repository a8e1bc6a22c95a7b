# -*- coding: utf-8 -*-

# Copyright: Contributors to the awsops.ssm project
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""A Galaxy server on 127.0.0.1 that serves one collection, for tests that need Galaxy reachable.

Ansible Galaxy cannot be reached from the machines this project is tested
on, while tools run by users (ansible-lint on a fresh checkout, an AWX
project sync) install collections from it. This server answers the few v3
API calls `ansible-galaxy collection install` makes for one collection
version: the API root, the collection, its versions, the version's metadata
(download URL, SHA-256) and the artifact. ANSIBLE_GALAXY_SERVER points a
tool at it.

The artifact is built from an installed copy of the collection (its
MANIFEST.json), with a FILES.json of the files that copy holds (the copy
unpacked from the `ansible` wheel lacks some files its own FILES.json lists).
"""

import hashlib
import io
import json
import os
import tarfile
import threading
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer


def _sha256(data):
    return hashlib.sha256(data).hexdigest()


def build_artifact(installed_dir, destination):
    """A collection tarball (MANIFEST.json, FILES.json, the files) of an installed collection; returns its path."""
    entries = []
    for root, dirs, files in os.walk(installed_dir):
        dirs.sort()
        for name in dirs:
            entries.append((os.path.relpath(os.path.join(root, name), installed_dir), None))
        for name in sorted(files):
            path = os.path.relpath(os.path.join(root, name), installed_dir)
            if path not in ("MANIFEST.json", "FILES.json"):
                with open(os.path.join(installed_dir, path), "rb") as handle:
                    entries.append((path, _sha256(handle.read())))
    listing = [{"name": ".", "ftype": "dir", "chksum_type": None, "chksum_sha256": None, "format": 1}]
    for path, checksum in entries:
        listing.append({"name": path, "ftype": "file" if checksum else "dir", "chksum_type": "sha256" if checksum else None,
                        "chksum_sha256": checksum, "format": 1})
    files_json = json.dumps({"files": listing, "format": 1}).encode()
    with open(os.path.join(installed_dir, "MANIFEST.json"), encoding="utf-8") as handle:
        manifest = json.load(handle)
    manifest["file_manifest_file"]["chksum_sha256"] = _sha256(files_json)
    info = manifest["collection_info"]
    path = os.path.join(str(destination), "%s-%s-%s.tar.gz" % (info["namespace"], info["name"], info["version"]))
    with tarfile.open(path, "w:gz") as tar:
        for name, data in (("MANIFEST.json", json.dumps(manifest).encode()), ("FILES.json", files_json)):
            member = tarfile.TarInfo(name)
            member.size = len(data)
            tar.addfile(member, io.BytesIO(data))
        for name, _checksum in entries:
            tar.add(os.path.join(installed_dir, name), arcname=name, recursive=False)
    return path, info["namespace"], info["name"], info["version"]


class FakeGalaxy:
    """Serves the collection installed in installed_dir; use as a context manager, then .url."""

    def __init__(self, installed_dir, workdir):
        self.artifact, self.namespace, self.name, self.version = build_artifact(installed_dir, workdir)
        with open(self.artifact, "rb") as handle:
            self.data = handle.read()
        self.requests = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = "http://127.0.0.1:%d/" % self._server.server_address[1]

    def __enter__(self):
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self._server.shutdown()
        self._server.server_close()

    def _answers(self):
        collection = "/api/v3/collections/%s/%s/" % (self.namespace, self.name)
        version = collection + "versions/%s/" % self.version
        return {
            "/api/": {"available_versions": {"v3": "v3/"}},
            collection: {"namespace": self.namespace, "name": self.name, "highest_version": {"version": self.version, "href": version}},
            collection + "versions/": {"meta": {"count": 1}, "links": {"next": None}, "data": [{"version": self.version, "href": version}]},
            version: {
                "namespace": {"name": self.namespace},
                "collection": {"name": self.name},
                "name": self.name,
                "version": self.version,
                "href": version,
                "download_url": self.url + "download/" + os.path.basename(self.artifact),
                "artifact": {"sha256": _sha256(self.data), "filename": os.path.basename(self.artifact)},
                "metadata": {"dependencies": {}},
                "signatures": [],
            },
        }

    def _handler(self):
        galaxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet: the requests are kept in galaxy.requests
                pass

            def do_GET(self):
                path = self.path.split("?")[0]
                galaxy.requests.append(path)
                answers = galaxy._answers()
                if path == "/api":
                    path = "/api/"
                if path in answers:
                    body, kind = json.dumps(answers[path]).encode(), "application/json"
                elif path == "/download/" + os.path.basename(galaxy.artifact):
                    body, kind = galaxy.data, "application/gzip"
                else:
                    self.send_response(404)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        return Handler
