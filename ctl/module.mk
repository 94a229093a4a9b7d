# cgfairctl: the admin and monitoring client of cgfaird's socket.
PROGRAMS += cgfairctl
$(eval $(call program,cgfairctl,ctl/cgfairctl.c ctl/history.c))
