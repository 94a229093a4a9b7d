#!/bin/sh
# Create the unprivileged system user the workers run as, if missing.
set -eu
user="${1:-cgfair}"
getent group "$user" >/dev/null || groupadd --system "$user"
getent passwd "$user" >/dev/null ||
	useradd --system --gid "$user" --home-dir /nonexistent \
		--no-create-home --shell /usr/sbin/nologin "$user"
