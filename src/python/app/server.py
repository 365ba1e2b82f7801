"""Serves the app's Restate deployment with hypercorn (HTTP/2 cleartext, as Restate expects)."""

import asyncio
import os

import hypercorn.asyncio
import hypercorn.config
import restate
from app.greeter import greeter

app = restate.app(services=[greeter])


def main() -> None:
    config = hypercorn.config.Config()
    config.bind = [f"127.0.0.1:{os.environ.get('APP_PORT', '9080')}"]
    print(f"Serving the Restate deployment on http://{config.bind[0]}", flush=True)
    asyncio.run(hypercorn.asyncio.serve(app, config))


if __name__ == "__main__":
    main()
