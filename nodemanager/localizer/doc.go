// Package localizer copies a container's local resources into its working
// dir before the container starts, as YARN's resource localization does,
// and verifies each one against the SHA-256 recorded when it was staged.
//
// Resources are fetched through a Fetcher chosen by the URI's scheme;
// FileFetcher reads file:// URIs. Each resource is written to a hidden
// temporary file in the working dir while being hashed, and renamed to its
// name only once all resources of the container have been fetched and
// verified. A failed localization removes what it wrote, so a container
// never starts with a resource whose content was tampered with, truncated,
// or only partly copied.
package localizer
