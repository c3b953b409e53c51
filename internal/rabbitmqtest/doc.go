// Package rabbitmqtest runs a real RabbitMQ broker (Debian's
// rabbitmq-server) for tests: each broker
// is its own Erlang node, with a unique node name, its own data, log and
// home directories and its own free AMQP, distribution and epmd ports, so
// that brokers never meet each other or a system one. Stop stops the
// broker and its epmd.
package rabbitmqtest
