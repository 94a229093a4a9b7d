#!/usr/bin/env python3
"""The notices' test reads the relay's maildir with Python's email package.

usage: mail-check.py MAILDIR count TO           how many mails went to TO
       mail-check.py MAILDIR show TO N         headers and text of TO's Nth
                                               (from 1, in arrival order)
       mail-check.py MAILDIR find TO TEXT      how many of TO's mails have
                                               TEXT in the subject or text
       mail-check.py MAILDIR png TO N          TO's Nth mail's image/png
                                               attachment: "WxH BYTES", or
                                               exit 1 saying what is wrong"""
import email.policy
import mailbox
import re
import struct
import sys


def png(msg):
    """The attached plot: image/png, decoded, a PNG signature and IHDR,
    a sane size."""
    parts = [p for p in msg.iter_attachments() if p.get_content_type() == "image/png"]
    if len(parts) != 1:
        sys.exit("%d image/png attachments (%s)" % (
            len(parts), [p.get_content_type() for p in msg.iter_parts()]))
    data = parts[0].get_content()
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        sys.exit("not a PNG: %r" % data[:16])
    w, h = struct.unpack(">II", data[16:24])
    if not (100 <= w <= 4000 and 100 <= h <= 4000 and 1000 <= len(data) <= 256 * 1024):
        sys.exit("odd PNG: %dx%d, %d bytes" % (w, h, len(data)))
    print("%dx%d %d" % (w, h, len(data)))


def arrival(key):
    """Maildir names a message SECONDS.MMICROSECONDS...: its arrival."""
    m = re.match(r"(\d+)\.M(\d+)", key)
    return (int(m.group(1)), int(m.group(2))) if m else (0, 0)


def mails_to(box, to):
    found = []
    for key in sorted(box.keys(), key=arrival):
        with box.get_file(key) as f:
            msg = email.message_from_binary_file(f, policy=email.policy.default)
        if msg["To"] == to:
            found.append(msg)
    return found


def main():
    box = mailbox.Maildir(sys.argv[1], create=False)
    msgs = mails_to(box, sys.argv[3])
    if sys.argv[2] == "count":
        print(len(msgs))
        return
    if sys.argv[2] == "find":
        print(sum(1 for m in msgs if sys.argv[4] in str(m["Subject"]) or
                  sys.argv[4] in m.get_body(preferencelist=("plain",)).get_content()))
        return
    msg = msgs[int(sys.argv[4]) - 1]
    if sys.argv[2] == "png":
        png(msg)
        return
    for h in ("From", "To", "Subject", "Date"):
        print("%s: %s" % (h, msg[h]))
    print()
    print(msg.get_body(preferencelist=("plain",)).get_content())


if __name__ == "__main__":
    main()
