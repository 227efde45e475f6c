#ifndef KAIROS_CROCKSDB_SHIM_H
#define KAIROS_CROCKSDB_SHIM_H
#include <rocksdb/c.h>
/* mallopt: RocksDB's background threads are where most of the process's allocations come from. */
#include <malloc.h>
#endif
