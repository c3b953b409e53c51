// Package launch is the contract between the processes of an application:
// the launch spec that `spindle submit` stages for the ApplicationMaster
// and its executors, the environment variables a container is started
// with, and the exit statuses of containers that did not end by
// themselves. It is Spindle's counterpart of YARN's ApplicationConstants
// and ContainerExitStatus: the ResourceManager, the NodeManager, the
// ApplicationMaster, executors and the client all read these names here,
// so that they cannot drift apart.
package launch
