// Package schedule owns scheduled Apps: it reads the cron expression of each
// script's header comment (`// @cron */5 * * * *`) and the operator's config
// entries (NAME=SPEC), keeps them in a robfig/cron scheduler, and runs each due
// App as a jsbridge job. A run that is still going when its next time comes makes
// that next run be skipped and logged, never overlapped.
package schedule
