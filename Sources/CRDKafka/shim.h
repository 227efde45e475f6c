#ifndef KAIROS_CRDKAFKA_SHIM_H
#define KAIROS_CRDKAFKA_SHIM_H
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

/// rd_kafka_producev is variadic and cannot be called from Swift; this wraps it.
/// A key or value that is not present is sent as null; a present one of length 0 as empty.
/// On success librdkafka owns `headers`; on failure the caller still does.
static inline rd_kafka_resp_err_t kairos_rd_kafka_produce(
    rd_kafka_t *rk, const char *topic, int32_t partition,
    const void *key, size_t key_len, int key_present,
    const void *value, size_t value_len, int value_present,
    rd_kafka_headers_t *headers, int64_t timestamp, void *opaque) {
    static const char empty[1] = {0};
    if (key_present && key == NULL) key = empty;
    if (!key_present) { key = NULL; key_len = 0; }
    if (value_present && value == NULL) value = empty;
    if (!value_present) { value = NULL; value_len = 0; }
    if (headers != NULL) {
        return rd_kafka_producev(
            rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(partition),
            RD_KAFKA_V_KEY((void *)key, key_len), RD_KAFKA_V_VALUE((void *)value, value_len),
            RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_HEADERS(headers),
            RD_KAFKA_V_TIMESTAMP(timestamp), RD_KAFKA_V_OPAQUE(opaque), RD_KAFKA_V_END);
    }
    return rd_kafka_producev(
        rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(partition),
        RD_KAFKA_V_KEY((void *)key, key_len), RD_KAFKA_V_VALUE((void *)value, value_len),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
        RD_KAFKA_V_TIMESTAMP(timestamp), RD_KAFKA_V_OPAQUE(opaque), RD_KAFKA_V_END);
}
#endif
