package ui

import (
	"context"
	"errors"
	"fmt"
	"os"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
)

// Run runs the UI until the user quits or ctx ends, and returns the fatal
// error that stopped it, if any. The terminal is restored in every case.
func Run(ctx context.Context, opts Options) error {
	if opts.Catalog == nil {
		return errors.New("ui: no catalog")
	}
	if !opts.Tmux && os.Getenv("TMUX") != "" {
		opts.Tmux = true
	}
	m := New(ctx, opts)
	defer m.Shutdown()
	popts := []tea.ProgramOption{tea.WithContext(ctx)}
	if opts.NoColor {
		popts = append(popts, tea.WithColorProfile(colorprofile.ASCII))
	}
	final, err := tea.NewProgram(m, popts...).Run()
	if err != nil {
		if errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("ui: %w", err)
	}
	if fm, ok := final.(*Model); ok && fm.fatal != nil {
		return fm.fatal
	}
	return nil
}
