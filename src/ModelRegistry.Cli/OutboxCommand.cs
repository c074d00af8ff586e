using System.CommandLine;
using ModelRegistry.Platform.Outbox;

namespace ModelRegistry.Cli;

/// <summary><c>mreg outbox dead list|retry</c>: events the outbox relay set aside because it could not publish them.</summary>
public static class OutboxCommand
{
    public static Command Build(Option<bool> json)
    {
        var limit = new Option<int>("--limit") { Description = "at most N (default 50)", HelpName = "N", DefaultValueFactory = _ => 50 };
        var list = new Command("list", "outbox rows set aside (unknown message type, unreadable body): id, type, when, why") { limit };
        list.SetAction((parse, ct) => ListAsync(CliSettings.Load(), parse.GetValue(limit), parse.GetValue(json), Console.Out, ct));

        var messageId = new Option<Guid?>("--message-id") { Description = "only this message", HelpName = "ID" };
        var retry = new Command("retry", "put them back in the outbox for the relay to try again (after the cause is mended, e.g. a host upgraded)") { messageId };
        retry.SetAction((parse, ct) => RetryAsync(CliSettings.Load(), parse.GetValue(messageId), parse.GetValue(json), Console.Out, ct));

        return new Command("outbox", "the transactional outbox") { new Command("dead", "events the relay could not publish") { list, retry } };
    }

    public static Task<int> ListAsync(CliSettings settings, int limit, bool json, TextWriter output, CancellationToken ct) =>
        CliDatabase.ReadAsync(settings, async c =>
        {
            var rows = await DeadOutboxRows.ListAsync(c, limit, ct);
            if (json) CliJson.Write(output, rows);
            else if (rows.Count == 0) output.WriteLine("no dead outbox rows");
            else
                foreach (var r in rows)
                    output.WriteLine($"{r.MessageId}  {r.MessageType}  created {r.CreatedAt:u}  set aside {r.FailedAt:u}\n  reason: {r.Reason}\n  body: {r.Body}");
            return 0;
        }, ct);

    public static Task<int> RetryAsync(CliSettings settings, Guid? messageId, bool json, TextWriter output, CancellationToken ct) =>
        CliDatabase.ReadAsync(settings, async c =>
        {
            var moved = await DeadOutboxRows.RetryAsync(c, messageId, ct);
            if (json) CliJson.Write(output, new { retried = moved });
            else output.WriteLine($"{moved} row(s) back in the outbox");
            return messageId is not null && moved == 0 ? await CliDatabase.NotFoundAsync($"no dead outbox row {messageId}") : 0;
        }, ct);
}
