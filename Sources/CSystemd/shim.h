#ifndef DEADBOLT_CSYSTEMD_SHIM_H
#define DEADBOLT_CSYSTEMD_SHIM_H
#include <systemd/sd-daemon.h>
#endif
