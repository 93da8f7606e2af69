"""Creates or signs in the account schemathesis runs as (scripts/stages/server.sh).

    python3 scripts/st_auth.py register BASE_URL EMAIL   # registers (202)
    python3 scripts/st_auth.py login BASE_URL EMAIL      # prints an access token
"""
import json
import sys
import urllib.request

PASSWORD = "schemathesis passphrase 1"


def post(base, path, body):
    req = urllib.request.Request(
        base + path, data=json.dumps(body).encode(), headers={"content-type": "application/json"}
    )
    with urllib.request.urlopen(req, timeout=30) as res:
        return res.status, json.load(res)


def main():
    action, base, email = sys.argv[1:4]
    if action == "register":
        status, _ = post(base, "/v1/auth/register", {"email": email, "password": PASSWORD})
        assert status == 202, status
    elif action == "login":
        status, body = post(base, "/v1/auth/login", {"email": email, "password": PASSWORD})
        assert status == 200, status
        print(body["access_token"])
    else:
        sys.exit(f"unknown action {action}")


if __name__ == "__main__":
    main()
