# The SELinux policy module (selinux/cgfair.{te,fc,if}), built with the
# reference policy's development Makefile (Debian: selinux-policy-dev) in
# a directory of its own, since that Makefile writes next to its sources.
# Not part of `all`: `make selinux`; `make install-selinux` installs the
# package where Debian keeps policy modules, for `semodule -i`.
#
# A module's own build does not check neverallow rules (they are checked
# when a policy is linked). So the build links it: into a copy of this
# machine's policy store (Debian: selinux-policy-default), with
# expand-check on, never loaded (semodule -p ROOT -N -n). An allow that
# breaks a neverallow fails `make selinux`.
SELINUX_DEVEL ?= /usr/share/selinux/devel/Makefile
SELINUX_TE    ?= selinux/cgfair.te
SELINUX_SRCS  := $(SELINUX_TE) selinux/cgfair.fc selinux/cgfair.if
SELINUXDIR    ?= /usr/share/selinux/default
SELINUX_STORE ?= /var/lib/selinux/default

$(BUILD)/selinux/cgfair.pp: $(SELINUX_SRCS)
	@mkdir -p $(@D)
	cp $(SELINUX_SRCS) $(@D)/
	$(MAKE) -C $(@D) -f $(SELINUX_DEVEL) cgfair.pp

$(BUILD)/selinux/linked.ok: $(BUILD)/selinux/cgfair.pp
	@test -d $(SELINUX_STORE) || { echo "no policy store $(SELINUX_STORE) (make deps: selinux-policy-default)"; exit 1; }
	rm -rf $(@D)/root $@
	mkdir -p $(@D)/root/var/lib/selinux $(@D)/root/etc/selinux
	cp -a $(SELINUX_STORE) $(@D)/root/var/lib/selinux/
	echo 'module-store = direct' >$(@D)/root/etc/selinux/semanage.conf
	echo 'expand-check = 1' >>$(@D)/root/etc/selinux/semanage.conf
	semodule -p $(abspath $(@D)/root) -s $(notdir $(SELINUX_STORE)) \
		-N -n -i $< >$(@D)/link.log 2>&1 || \
		{ grep -v 'not in password file' $(@D)/link.log; exit 1; }
	rm -rf $(@D)/root
	touch $@

selinux: $(BUILD)/selinux/cgfair.pp $(BUILD)/selinux/linked.ok

install-selinux: $(BUILD)/selinux/cgfair.pp
	install -d $(DESTDIR)$(SELINUXDIR)
	install -m 0644 $< $(DESTDIR)$(SELINUXDIR)/cgfair.pp

.PHONY: selinux install-selinux
