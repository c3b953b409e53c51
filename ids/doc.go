// Package ids formats and parses Spindle's identifiers in YARN's formats, so
// that existing tooling and habits carry over:
//
//	application_<clusterTimestamp>_<seq:04>
//	appattempt_<clusterTimestamp>_<seq:04>_<attempt:06>
//	container_<clusterTimestamp>_<seq:04>_<attempt:02>_<id:06>
package ids
