// Package kafkatest runs an in-process Kafka-protocol broker for tests.
//
// The broker is kfake from franz-go: it speaks the real wire protocol on
// 127.0.0.1, so clients under test (sarama) go through their full request
// path. Helpers produce records with a sarama sync producer and read topics
// back, which is what source and sink tests need. Everything started here is
// closed when the test ends.
package kafkatest
