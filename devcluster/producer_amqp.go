package devcluster

import (
	"context"
	"fmt"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// amqpPublishTimeout bounds waiting for the broker's confirms of one
// tick's transactions.
const amqpPublishTimeout = 30 * time.Second

// amqpPublisher publishes transactions to an AMQP queue as persistent
// messages with the transaction's id as message id, and waits for the
// broker's confirms.
type amqpPublisher struct {
	queue string
	conn  *amqp.Connection
	ch    *amqp.Channel
}

func newAMQPPublisher(url, queue string) (*amqpPublisher, error) {
	conn, err := amqp.Dial(url)
	if err != nil {
		return nil, fmt.Errorf("devcluster: connect to the AMQP broker: %w", err)
	}
	ch, err := conn.Channel()
	if err == nil {
		err = ch.Confirm(false)
	}
	if err == nil {
		_, err = ch.QueueDeclare(queue, true, false, false, false, nil)
	}
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("devcluster: AMQP queue %s: %w", queue, err)
	}
	return &amqpPublisher{queue: queue, conn: conn, ch: ch}, nil
}

func (a *amqpPublisher) publish(txns []txn) (map[int]bool, error) {
	ctx, cancel := context.WithTimeout(context.Background(), amqpPublishTimeout)
	defer cancel()
	failed := map[int]bool{}
	var lastErr error
	confs := make([]*amqp.DeferredConfirmation, len(txns))
	for i, t := range txns {
		c, err := a.ch.PublishWithDeferredConfirmWithContext(ctx, "", a.queue, false, false, amqp.Publishing{
			DeliveryMode: amqp.Persistent, MessageId: transactionID(t.id), ContentType: "application/json",
			Timestamp: time.Now(), Body: []byte(t.value),
		})
		if err != nil {
			failed[i], lastErr = true, err
			continue
		}
		confs[i] = c
	}
	for i, c := range confs {
		if c == nil {
			continue
		}
		ok, err := c.WaitContext(ctx)
		if err != nil || !ok {
			failed[i] = true
			if err == nil {
				err = fmt.Errorf("the broker refused %s", transactionID(txns[i].id))
			}
			lastErr = err
		}
	}
	return failed, lastErr
}

func (a *amqpPublisher) close() error { return a.conn.Close() }
