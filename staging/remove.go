package staging

import (
	"context"
	"fmt"
)

// Remove deletes cfg's application staging dir and everything in it, as
// Spark does when an application ends. A missing dir is not an error.
func Remove(ctx context.Context, cfg Config) error {
	st, _, dir, err := cfg.open(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.Delete(ctx, dir); err != nil {
		return fmt.Errorf("staging: remove staging dir of app %s: %w", cfg.AppID, err)
	}
	return nil
}
