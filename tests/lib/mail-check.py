#!/usr/bin/env python3
"""The notices' test reads the relay's maildir with Python's email package.

usage: mail-check.py MAILDIR count TO           how many mails went to TO
       mail-check.py MAILDIR show TO N         headers and text of TO's Nth
                                               (from 1, in arrival order)
       mail-check.py MAILDIR find TO TEXT      how many of TO's mails have
                                               TEXT in the subject or text"""
import email.policy
import mailbox
import re
import sys


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
    for h in ("From", "To", "Subject", "Date"):
        print("%s: %s" % (h, msg[h]))
    print()
    print(msg.get_body(preferencelist=("plain",)).get_content())


if __name__ == "__main__":
    main()
