# The SELinux policy module (selinux/cgfair.{te,fc,if}), built with the
# reference policy's development Makefile (Debian: selinux-policy-dev) in
# a directory of its own, since that Makefile writes next to its sources.
# Not part of `all`: `make selinux`; `make install-selinux` installs the
# package where Debian keeps policy modules, for `semodule -i`.
SELINUX_DEVEL ?= /usr/share/selinux/devel/Makefile
SELINUX_SRCS  := selinux/cgfair.te selinux/cgfair.fc selinux/cgfair.if
SELINUXDIR    ?= /usr/share/selinux/default

$(BUILD)/selinux/cgfair.pp: $(SELINUX_SRCS)
	@mkdir -p $(@D)
	cp $(SELINUX_SRCS) $(@D)/
	$(MAKE) -C $(@D) -f $(SELINUX_DEVEL) cgfair.pp

selinux: $(BUILD)/selinux/cgfair.pp

install-selinux: $(BUILD)/selinux/cgfair.pp
	install -d $(DESTDIR)$(SELINUXDIR)
	install -m 0644 $< $(DESTDIR)$(SELINUXDIR)/cgfair.pp

.PHONY: selinux install-selinux
