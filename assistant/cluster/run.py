"""Two Rasa replicas, two action servers and nginx in front, on this machine's loopback.

    python -m assistant.cluster.run        # `make run-cluster`; Ctrl-C or SIGTERM stops everything

The replicas share PostgreSQL (conversations, TRACKER_STORE_URL) and Redis (conversation
locks, REDIS_URL), and the button-signing key, so any replica can take any message. nginx
balances the channels round-robin, takes a replica out after a failure and retries the
message on the other one; it also serves the demo page, so the widget and REST traffic both
go through it. docs/deploy.md shows the same layout for production.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

import sqlalchemy as sa

from assistant.lifecycle import (
    StopRequested,
    stop_on_signals,
    stop_with_parent,
    terminate_with_parent,
)
from assistant.paths import PROJECT_ROOT
from assistant.stack import DEFAULT_MODEL, Stack, wait_for

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/ketamine_assistant"
DEFAULT_REDIS = "redis://127.0.0.1:6379/1"

NGINX_CONF = """
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
daemon off;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  client_max_body_size 32k;
  upstream rasa_replicas {{
{rasa_servers}
  }}
  upstream demo_site {{ server 127.0.0.1:{web_port}; }}
  server {{
    listen 127.0.0.1:{lb_port};
    location /webhooks/ {{
      proxy_pass http://rasa_replicas;
      proxy_set_header X-Real-IP $remote_addr;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header Host $http_host;
      # A replica that fails is skipped and the message goes to the other one.
      proxy_next_upstream error timeout http_502 http_503 non_idempotent;
      proxy_next_upstream_tries 2;
      proxy_connect_timeout 2s;
      proxy_read_timeout 30s;
    }}
    location = /version {{ return 404; }}
    location / {{ proxy_pass http://demo_site; }}
  }}
}}
"""


def ensure_database(url: str) -> None:
    """Creates the PostgreSQL database of ``url`` if it does not exist yet."""
    parsed = sa.engine.make_url(url)
    if not parsed.drivername.startswith("postgresql"):
        return
    admin = sa.create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        exists = connection.execute(
            sa.text("select 1 from pg_database where datname = :name"), {"name": parsed.database}
        ).scalar()
        if not exists:
            connection.execute(sa.text(f'create database "{parsed.database}"'))
    admin.dispose()


def nginx_binary() -> Optional[str]:
    return shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )


@dataclass
class Cluster:
    """Replicas, action servers, the demo page and nginx, as child processes."""

    postgres_url: str = os.environ.get("TRACKER_STORE_URL", DEFAULT_POSTGRES)
    redis_url: str = os.environ.get("REDIS_URL", DEFAULT_REDIS)
    rasa_ports: tuple = (5005, 5006)
    action_ports: tuple = (5055, 5056)
    web_port: int = 8081
    lb_port: int = int(os.environ.get("LB_PORT", "8000"))
    model: Path = DEFAULT_MODEL
    work_dir: Path = PROJECT_ROOT / "var" / "cluster"
    env: Dict[str, str] = field(default_factory=dict)
    replicas: List[Stack] = field(default_factory=list)
    nginx: Optional[subprocess.Popen] = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.lb_port}"

    def shared_env(self) -> Dict[str, str]:
        key_file = self.work_dir / "signing.key"
        if not key_file.exists():
            key_file.write_text(secrets.token_hex(32))
        return {
            "TRACKER_STORE_URL": self.postgres_url,
            "REDIS_URL": self.redis_url,
            "ASSISTANT_SIGNING_KEY": key_file.read_text().strip(),
            "ASSISTANT_TRUST_PROXY": "1",
            **self.env,
        }

    def start(self) -> Cluster:
        binary = nginx_binary()
        if binary is None:
            raise RuntimeError("nginx is not installed: `apt-get install nginx` (see README)")
        self.work_dir.mkdir(parents=True, exist_ok=True)
        ensure_database(self.postgres_url)
        env = self.shared_env()
        ports = zip(self.rasa_ports, self.action_ports, strict=True)
        for index, (rasa_port, actions_port) in enumerate(ports):
            replica = Stack(
                rasa_port=rasa_port,
                actions_port=actions_port,
                web_port=self.web_port,
                model=self.model,
                log_dir=self.work_dir / "logs",
                env=env,
                with_web=index == 0,
            )
            replica.env = {**env, "ASSISTANT_SERVER_URL": self.url}
            self.replicas.append(replica)
            replica.start()
        prefix = self.work_dir / "nginx"
        prefix.mkdir(parents=True, exist_ok=True)
        servers = "\n".join(
            f"    server 127.0.0.1:{port} max_fails=1 fail_timeout=10s;" for port in self.rasa_ports
        )
        conf = prefix / "nginx.conf"
        conf.write_text(
            NGINX_CONF.format(
                prefix=prefix, rasa_servers=servers, web_port=self.web_port, lb_port=self.lb_port
            )
        )
        log = open(prefix / "nginx.out", "ab")
        self.nginx = subprocess.Popen(
            [binary, "-p", str(prefix), "-c", str(conf)],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=terminate_with_parent,
        )
        if not wait_for(f"{self.url}/webhooks/web/health", 30, self.nginx):
            raise RuntimeError(f"nginx did not start; see {prefix}")
        return self

    def kill_replica(self, index: int, sig: int = 9) -> None:
        replica = self.replicas[index]
        name = f"rasa-{replica.rasa_port}"
        replica.stop(name, sig=sig)

    def stop(self) -> None:
        if self.nginx is not None and self.nginx.poll() is None:
            self.nginx.terminate()
            self.nginx.wait(timeout=10)
        for replica in self.replicas:
            replica.stop()

    def __enter__(self) -> Cluster:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def main() -> int:
    stop_on_signals()
    stop_with_parent()
    cluster = Cluster()
    try:
        print("Starting two replicas, two action servers and nginx...", flush=True)
        cluster.start()
        print(
            f"""
The cluster is running behind nginx.
  Demo page with the widget:  {cluster.url}
  REST channel:  curl -s {cluster.url}/webhooks/rest/webhook \\
                   -H 'Content-Type: application/json' \\
                   -d '{{"sender":"a","message":"how much does it cost"}}'
  Replicas: {", ".join(f"127.0.0.1:{p}" for p in cluster.rasa_ports)}
  Conversations: {cluster.postgres_url}   Locks: {cluster.redis_url}
Press Ctrl-C to stop.""",
            flush=True,
        )
        while cluster.nginx.poll() is None:
            time.sleep(1)
        return 1
    except (KeyboardInterrupt, StopRequested):
        return 0
    except (RuntimeError, sa.exc.SQLAlchemyError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    finally:
        cluster.stop()


if __name__ == "__main__":
    sys.exit(main())
