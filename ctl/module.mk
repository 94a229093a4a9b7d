# cgfairctl: the admin and monitoring client of cgfaird's socket.
PROGRAMS += cgfairctl
cgfairctl_SRCS = ctl/cgfairctl.c ctl/history.c common/num.c
