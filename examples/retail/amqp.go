package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/spindlehq/spindle/sdk"
	"github.com/spindlehq/spindle/sdk/amqpreceiver"
	"go.uber.org/zap"
)

// queueArgs are the flags that make the job read its transactions from an
// AMQP queue (RabbitMQ) through a receiver rather than from Kafka:
//
//	spindle submit ... ./retail --regions regions.csv --amqp-queue transactions
//
// with the broker's URL, which holds a password, in the environment of
// the driver (which configures the job too) and of the executors rather
// than in the job's arguments:
//
//	--conf spark.yarn.appMasterEnv.RETAIL_AMQP_URL=amqp://user:password@broker:5672/
//	--conf spark.executorEnv.RETAIL_AMQP_URL=amqp://user:password@broker:5672/
type queueArgs struct {
	queue    *string
	url      *string
	prefetch *int
}

// envAMQPURL names the environment variable read for the broker's URL.
const envAMQPURL = "RETAIL_AMQP_URL"

func queueFlags(fs *flag.FlagSet) queueArgs {
	return queueArgs{
		queue:    fs.String("amqp-queue", "", "read transactions from this AMQP queue instead of Kafka"),
		url:      fs.String("amqp-url", "", "the AMQP broker (default $"+envAMQPURL+")"),
		prefetch: fs.Int("amqp-prefetch", 1000, "unacknowledged messages the broker sends at once"),
	}
}

// configureQueue sets up the AMQP receiver when --amqp-queue is given.
func (j *retailJob) configureQueue(a queueArgs, jc sdk.JobContext) error {
	if *a.queue == "" {
		return nil
	}
	url := *a.url
	if url == "" {
		url = os.Getenv(envAMQPURL)
	}
	if url == "" {
		return fmt.Errorf("retail: --amqp-queue %s needs the broker: --amqp-url or $%s", *a.queue, envAMQPURL)
	}
	cfg := amqpreceiver.DefaultConfig(url, *a.queue)
	cfg.Prefetch, cfg.Declare = *a.prefetch, true
	r, err := amqpreceiver.New(cfg)
	if err != nil {
		return err
	}
	j.queue = r
	jc.Logger.Info("reading transactions from an AMQP queue", zap.String("queue", *a.queue))
	return nil
}

// Receivers is the AMQP receiver when the job reads a queue.
func (j *retailJob) Receivers() []sdk.Receiver {
	if j.queue == nil {
		return nil
	}
	return []sdk.Receiver{j.queue}
}
