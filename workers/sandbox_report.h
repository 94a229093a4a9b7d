/* Debug aid: name a forbidden system call and its callers before dying. */
#ifndef CGFAIR_SANDBOX_REPORT_H
#define CGFAIR_SANDBOX_REPORT_H

/* Installs the SIGSYS handler; the filter must then trap, not kill. */
void sandbox_report_install(void);

#endif
