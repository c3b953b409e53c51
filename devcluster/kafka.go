package devcluster

// defaultPartitions is what topics created on first use get, so that a
// job of one's own can produce to any topic.
const defaultPartitions = 4
