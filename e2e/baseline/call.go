package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/percipia/eslgo"
	"github.com/percipia/eslgo/command"
	"github.com/percipia/eslgo/command/call"
	"github.com/rs/zerolog"
)

// errRejected is returned when FreeSWITCH answers a command with -ERR.
var errRejected = errors.New("command rejected")

// digitsVar is the channel variable play_and_get_digits stores the digits in.
const digitsVar = "bench_digits"

// benchCall serves each call the standard benchmark call.
type benchCall struct {
	sounds      string
	stepTimeout time.Duration
	log         zerolog.Logger
}

// handle is eslgo's OutboundHandler: the call, command after command.
func (b *benchCall) handle(ctx context.Context, conn *eslgo.Conn, connect *eslgo.RawResponse) {
	chanUUID := connect.ChannelUUID()
	log := b.log.With().Str("call", chanUUID).Logger()
	if err := b.steps(ctx, conn, chanUUID); err != nil {
		log.Warn().Err(err).Msg("call failed")
	}
}

func (b *benchCall) steps(ctx context.Context, conn *eslgo.Conn, chanUUID string) error {
	if err := b.send(ctx, conn, command.MyEvents{Format: "plain"}); err != nil {
		return fmt.Errorf("myevents: %w", err)
	}
	down := make(chan struct{})
	hangupID := conn.RegisterEventListener(chanUUID, func(ev *eslgo.Event) {
		if ev.GetName() == "CHANNEL_HANGUP_COMPLETE" {
			close(down)
		}
	})
	defer conn.RemoveEventListener(chanUUID, hangupID)

	if _, err := b.execute(ctx, conn, chanUUID, "answer", ""); err != nil {
		return err
	}
	if _, err := b.execute(ctx, conn, chanUUID, "playback", b.sounds+"/a.wav"); err != nil {
		return err
	}
	pagd := fmt.Sprintf(`1 8 1 5000 # %s/b.wav silence_stream://250 %s \d+ 5000`, b.sounds, digitsVar)
	done, err := b.execute(ctx, conn, chanUUID, "play_and_get_digits", pagd)
	if err != nil {
		return err
	}
	digits := done.GetHeader("variable_" + digitsVar)
	if _, err := b.execute(ctx, conn, chanUUID, "set", digitsVar+"="+digits); err != nil {
		return err
	}
	if _, err := b.execute(ctx, conn, chanUUID, "playback", b.sounds+"/c.wav"); err != nil {
		return err
	}
	if err := b.send(ctx, conn, call.Hangup{UUID: chanUUID, Cause: "NORMAL_CLEARING", Sync: true}); err != nil {
		return fmt.Errorf("hangup: %w", err)
	}
	wait, cancel := context.WithTimeout(ctx, b.stepTimeout)
	defer cancel()
	select {
	case <-down:
	case <-wait.Done(): // the switch closing the socket ends ctx too
	}
	return nil
}

// execute runs app and waits for its CHANNEL_EXECUTE_COMPLETE, which it returns.
func (b *benchCall) execute(ctx context.Context, conn *eslgo.Conn, chanUUID, app, arg string) (*eslgo.Event, error) {
	appUUID := uuid.NewString()
	complete := make(chan *eslgo.Event, 1)
	id := conn.RegisterEventListener(appUUID, func(ev *eslgo.Event) {
		if ev.GetName() == "CHANNEL_EXECUTE_COMPLETE" {
			select {
			case complete <- ev:
			default:
			}
		}
	})
	defer conn.RemoveEventListener(appUUID, id)
	ctx, cancel := context.WithTimeout(ctx, b.stepTimeout)
	defer cancel()
	if err := b.send(ctx, conn, &call.Execute{UUID: chanUUID, AppName: app, AppArgs: arg, AppUUID: appUUID, Sync: true}); err != nil {
		return nil, fmt.Errorf("%s: %w", app, err)
	}
	select {
	case ev := <-complete:
		return ev, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("%s: waiting for completion: %w", app, ctx.Err())
	}
}

func (b *benchCall) send(ctx context.Context, conn *eslgo.Conn, cmd command.Command) error {
	resp, err := conn.SendCommand(ctx, cmd)
	if err != nil {
		return err
	}
	if !resp.IsOk() {
		return fmt.Errorf("%w: %s", errRejected, resp.GetReply())
	}
	return nil
}
