// KairosControl: the logic of `kairosctl`, the admin CLI. Every command talks to Kafka only (the contract's topics),
// so it works against any cluster Kairos runs on, with or without a running scheduler. The records it reads and
// writes are those of `KairosWire`.
