#ifndef WHEELHOUSE_CARCHIVE_SHIM_H
#define WHEELHOUSE_CARCHIVE_SHIM_H
#include <archive.h>
#include <archive_entry.h>
#endif
