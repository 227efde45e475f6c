#ifndef KAIROS_CROCKSDB_SHIM_H
#define KAIROS_CROCKSDB_SHIM_H
#include <rocksdb/c.h>
#endif
