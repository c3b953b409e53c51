// Package streamingui is Spark's Streaming tab for a Spindle application:
// the input rate, scheduling delay, processing time and total delay as
// timelines with histograms, the active and completed batches with a page
// per batch, the Kafka lag of each partition over time, the executors and
// the rate limit the backpressure controller chose. A Listener collects
// what the driver reports, as Spark's StreamingJobProgressListener; the
// ApplicationMaster serves its pages while it runs, and history serves the
// same pages from a Listener replayed from the event log. Charts are SVG
// drawn on the server: the pages load nothing from the network.
package streamingui
