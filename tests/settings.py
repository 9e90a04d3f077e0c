"""The test suite's settings: the development profile (DEBUG=1) with a throw-away key, whatever the shell says.

The product itself defaults to production behaviour and refuses to start without a SECRET_KEY; the production
profile is tried in fresh interpreters by tests/test_startup.py and tests/test_settings.py. The values go through
the environment because config.settings reads them from there (and processes the tests start inherit them).
"""

import os
import secrets

os.environ["DEBUG"] = "1"
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))

from config.settings import *  # noqa: E402,F403
