package rabbitmqtest

import (
	"context"
	"fmt"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

// Declare declares a durable queue.
func (b *Broker) Declare(queue string) error {
	return b.withChannel(func(ch *amqp.Channel) error {
		_, err := ch.QueueDeclare(queue, true, false, false, false, nil)
		return err
	})
}

// Publish publishes persistent messages to queue, each with its id as
// message id, and waits for the broker's confirms.
func (b *Broker) Publish(ctx context.Context, queue string, ids []string, bodies [][]byte) error {
	return b.withChannel(func(ch *amqp.Channel) error {
		if err := ch.Confirm(false); err != nil {
			return err
		}
		var confs []*amqp.DeferredConfirmation
		for i, body := range bodies {
			c, err := ch.PublishWithDeferredConfirmWithContext(ctx, "", queue, false, false, amqp.Publishing{
				DeliveryMode: amqp.Persistent, MessageId: ids[i], Body: body, Timestamp: time.Now(),
			})
			if err != nil {
				return err
			}
			confs = append(confs, c)
		}
		for i, c := range confs {
			ok, err := c.WaitContext(ctx)
			if err != nil {
				return err
			}
			if !ok {
				return fmt.Errorf("rabbitmqtest: the broker refused message %s", ids[i])
			}
		}
		return nil
	})
}

// Depth returns how many messages queue holds ready and unacknowledged.
func (b *Broker) Depth(queue string) (ready int, err error) {
	err = b.withChannel(func(ch *amqp.Channel) error {
		q, err := ch.QueueDeclarePassive(queue, true, false, false, false, nil)
		ready = q.Messages
		return err
	})
	return ready, err
}

func (b *Broker) withChannel(fn func(*amqp.Channel) error) error {
	conn, err := amqp.Dial(b.URL)
	if err != nil {
		return fmt.Errorf("rabbitmqtest: connect: %w", err)
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		return err
	}
	defer ch.Close()
	return fn(ch)
}
