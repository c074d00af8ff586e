using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using ModelRegistry.Contracts;
using ModelRegistry.Platform.Outbox;
using ModelRegistry.Testing;

namespace ModelRegistry.Persistence.Tests.Outbox;

public class OutboxRelay_Specs(IsolatedEnvironment env) : IClassFixture<IsolatedEnvironment>
{
    /// <summary>
    /// Confirms what it is told to, fails or never answers the rest (a confirm lost with its channel); with
    /// <paramref name="deaf"/> it ignores its cancellation too, as a publish caught in a broker restart was seen to.
    /// </summary>
    private sealed class ScriptedPublisher(Func<Guid, Task> answer, bool deaf = false) : IOutboxPublisher
    {
        public List<Guid> Published { get; } = [];

        public Task PublishAsync(Guid messageId, object message, CancellationToken cancellationToken)
        {
            lock (Published) Published.Add(messageId);
            return deaf ? answer(messageId) : answer(messageId).WaitAsync(cancellationToken);
        }
    }

    private OutboxRelay Relay(IOutboxPublisher publisher, int timeoutSeconds = 30, TimeProvider? clock = null) =>
        new(env.DataSource, publisher, new OutboxOptions { BatchTimeoutSeconds = timeoutSeconds }, clock ?? TimeProvider.System, NullLogger<OutboxRelay>.Instance);

    private async Task<Guid> AddAsync(string type = nameof(ModelRegistrationRejected), string? body = null)
    {
        var id = Guid.NewGuid();
        await using var c = await env.DataSource.OpenConnectionAsync();
        await c.ExecuteAsync("INSERT INTO registry.outbox (message_id, message_type, body) VALUES (@id, @type, @body)",
            new { id, type, body = body ?? $$"""{"modelName":"spec-{{id}}"}""" });
        return id;
    }

    private async Task<List<Guid>> OutboxAsync()
    {
        await using var c = await env.DataSource.OpenConnectionAsync();
        return (await c.QueryAsync<Guid>("SELECT message_id FROM registry.outbox ORDER BY sequence")).ToList();
    }

    private async Task ClearAsync()
    {
        await using var c = await env.DataSource.OpenConnectionAsync();
        await c.ExecuteAsync("DELETE FROM registry.outbox; DELETE FROM registry.outbox_dead");
    }

    [Fact]
    public async Task A_batch_whose_confirm_never_comes_times_out_releases_its_rows_and_the_next_batch_publishes_them()
    {
        await ClearAsync();
        var a = await AddAsync();
        var b = await AddAsync();
        var hung = Relay(new ScriptedPublisher(id => id == b ? new TaskCompletionSource().Task : Task.CompletedTask), timeoutSeconds: 1);

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var batch = hung.RelayBatchAsync(CancellationToken.None);
        Assert.True(await Task.WhenAny(batch, Task.Delay(TimeSpan.FromSeconds(30))) == batch, "the batch still waits for its confirm after 30 s");
        await Assert.ThrowsAsync<TimeoutException>(() => batch);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"the batch took {clock.Elapsed}");

        // Nothing deleted (the transaction could not be committed in time), nothing locked any more.
        Assert.Equal([a, b], await OutboxAsync());
        var publisher = new ScriptedPublisher(_ => Task.CompletedTask);
        Assert.Equal(2, await Relay(publisher).RelayBatchAsync(CancellationToken.None));
        Assert.Equal([a, b], publisher.Published);
        Assert.Empty(await OutboxAsync());
    }

    [Fact]
    public async Task A_publish_that_ignores_its_cancellation_still_ends_the_batch_at_its_time_limit_and_releases_the_rows()
    {
        await ClearAsync();
        var a = await AddAsync();
        var b = await AddAsync();
        var never = new TaskCompletionSource();
        var hung = Relay(new ScriptedPublisher(id => id == b ? never.Task : Task.CompletedTask, deaf: true), timeoutSeconds: 1);

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var batch = hung.RelayBatchAsync(CancellationToken.None);
        Assert.True(await Task.WhenAny(batch, Task.Delay(TimeSpan.FromSeconds(30))) == batch, "the batch still waits for a publish that ignores its cancellation after 30 s");
        await Assert.ThrowsAsync<TimeoutException>(() => batch);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"the batch took {clock.Elapsed}");

        Assert.Equal([a, b], await OutboxAsync());
        var publisher = new ScriptedPublisher(_ => Task.CompletedTask);
        Assert.Equal(2, await Relay(publisher).RelayBatchAsync(CancellationToken.None));
        Assert.Empty(await OutboxAsync());
        // The abandoned publish fails late, as a lost channel's does: nobody is left to observe it, and nothing breaks.
        never.SetException(new InvalidOperationException("channel closed"));
    }

    [Fact]
    public async Task A_batch_in_flight_over_twice_its_limit_is_reported_failing_for_the_watchdog_and_stops_being_so_when_it_ends()
    {
        await ClearAsync();
        await AddAsync();
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.Parse("2026-12-06T08:00:00Z"));
        var relay = Relay(new ScriptedPublisher(_ => new TaskCompletionSource().Task), timeoutSeconds: 600, clock: time);

        var batch = relay.RelayBatchAsync(CancellationToken.None);
        try
        {
            time.Advance(TimeSpan.FromSeconds(1200));
            Assert.Null(relay.FailingSince);
            time.Advance(TimeSpan.FromSeconds(1));
            Assert.Equal(DateTimeOffset.Parse("2026-12-06T08:00:00Z"), relay.FailingSince);
            Assert.Contains("in flight since 2026-12-06T08:00:00", relay.LastError);
            Assert.Contains("Outbox:BatchTimeoutSeconds", relay.LastError);
        }
        finally
        {
            // Ended either way: a batch left running would hold its rows locked for the next specs.
            relay.AbandonInFlight("the spec ends it");
        }
        await Assert.ThrowsAsync<TimeoutException>(() => batch);
        Assert.Null(relay.FailingSince);
        Assert.Null(relay.LastError);
    }

    [Fact]
    public async Task A_batch_abandoned_because_the_broker_is_gone_ends_at_once_and_releases_its_rows()
    {
        await ClearAsync();
        var a = await AddAsync();
        var hung = Relay(new ScriptedPublisher(_ => new TaskCompletionSource().Task), timeoutSeconds: 600);

        var batch = hung.RelayBatchAsync(CancellationToken.None);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!batch.IsCompleted && clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            hung.AbandonInFlight("the broker does not answer");
            await Task.WhenAny(batch, Task.Delay(100));
        }

        Assert.True(batch.IsCompleted, "the abandoned batch still waits for its confirm");
        var error = await Assert.ThrowsAsync<TimeoutException>(() => batch);
        Assert.Contains("abandoned (the broker does not answer)", error.Message);
        Assert.Equal([a], await OutboxAsync());
    }

    [Fact]
    public async Task A_publish_that_fails_keeps_only_its_own_row_the_confirmed_ones_are_deleted()
    {
        await ClearAsync();
        var a = await AddAsync();
        var b = await AddAsync();
        var c = await AddAsync();
        var relay = Relay(new ScriptedPublisher(id => id == b ? Task.FromException(new InvalidOperationException("channel closed")) : Task.CompletedTask));

        await Assert.ThrowsAsync<InvalidOperationException>(() => relay.RelayBatchAsync(CancellationToken.None));

        Assert.Equal([b], await OutboxAsync());
        _ = (a, c);
    }

    [Fact]
    public async Task A_row_of_an_unknown_type_or_an_unreadable_body_is_moved_to_outbox_dead_and_the_rest_is_published()
    {
        await ClearAsync();
        var good = await AddAsync();
        var unknown = await AddAsync("NoSuchEvent", "{}");
        var unreadable = await AddAsync(nameof(ModelRegistrationRejected), "{not json");
        var publisher = new ScriptedPublisher(_ => Task.CompletedTask);

        Assert.Equal(3, await Relay(publisher).RelayBatchAsync(CancellationToken.None));

        Assert.Equal([good], publisher.Published);
        Assert.Empty(await OutboxAsync());
        await using var connection = await env.DataSource.OpenConnectionAsync();
        var dead = (await connection.QueryAsync<(Guid Id, string Type, string Reason)>(
            "SELECT message_id, message_type, reason FROM registry.outbox_dead ORDER BY sequence")).ToList();
        Assert.Equal([unknown, unreadable], dead.Select(d => d.Id));
        Assert.Contains("unknown outbox message type 'NoSuchEvent'", dead[0].Reason);
        Assert.Equal(nameof(ModelRegistrationRejected), dead[1].Type);
    }
}
