using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using ModelRegistry.Contracts.Promotion;
using ModelRegistry.Promotion.Approvals;

namespace ModelRegistry.Domain.Tests.Approvals;

/// <summary>
/// Known answers from a second implementation: Python's standard library (hmac, hashlib), written from the canonical
/// form as docs/ticketing.md describes it, not from the C# code. It parses the promotion id and the time itself.
/// </summary>
public class ApprovalSignature_python_Specs
{
    private const string Python = "/usr/bin/python3";
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    private const string Script = """
        import hashlib, hmac, json, re, sys, uuid
        from datetime import datetime, timedelta, timezone

        def timestamp(text):
            m = re.fullmatch(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)", text)
            base = datetime.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S")
            micros = int(((m.group(2) or "") + "000000")[:6])  # truncate, never round
            zone = m.group(3)
            offset = timedelta(0) if zone == "Z" else (1 if zone[0] == "+" else -1) * timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6]))
            instant = (base + timedelta(microseconds=micros)).replace(tzinfo=timezone(offset))
            return instant.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")

        for line in sys.stdin:
            case = json.loads(line)
            m = case["message"]
            own = [m["integration"], m["ticketId"], m["approver"], m["role"], m["decision"], m["comment"], timestamp(m["decidedAt"])]
            if m.get("nonce"):
                fields = [str(uuid.UUID(m["promotionId"])), m["modelName"], str(m["version"]), m["targetStage"], m["manifestDigest"],
                          m["nonce"]] + own
                canonical = b"mreg-approval-v2\n"
            else:
                fields = [str(uuid.UUID(m["promotionId"]))] + own
                canonical = b"mreg-approval-v1\n"
            for field in fields:
                data = field.encode("utf-8")
                canonical += str(len(data)).encode("ascii") + b":" + data + b"\n"
            print(hmac.new(case["secret"].encode("utf-8"), canonical, hashlib.sha256).hexdigest())
        """;

    private static readonly (string Secret, ApprovalDecided Message)[] Cases =
    [
        (Decisions.JiraSecret, Decisions.Unsigned),
        (Decisions.JiraSecret, Decisions.Unsigned with { Comment = "" }),
        (Decisions.ServiceNowSecret, Decisions.Unsigned with
        {
            Integration = "servicenow", Approver = "Zoë Ångström", Role = "security-review", Decision = "rejected",
            Comment = "Bias zu hoch – 0,07 > 0,05 ✗; 日本語のコメント 🚫",
        }),
        (Decisions.JiraSecret, Decisions.Unsigned with { Comment = "10:looks\nlike:\n8:approved\n\r\n\t a field \"quoted\" \\ back" }),
        (Decisions.JiraSecret, Decisions.Unsigned with { TicketId = "T:1\n", Approver = "a:b", Comment = ":\n:" }),
        (Decisions.JiraSecret, Decisions.Unsigned with { ModelName = "modèle:4\n", Version = 123456, TargetStage = "canary" }),
        (Decisions.JiraSecret, Decisions.Unsigned with { Nonce = "" }), // the v1 form, where an integration still accepts it
        ("ünïcödé secret with spaces inside, 40 chars", Decisions.Unsigned with
        {
            PromotionId = Guid.Parse("ABCDEF01-2345-6789-ABCD-EF0123456789"),
            // 23:59:59.9999999 at -05:30: the next UTC day, the 100 ns digit dropped.
            DecidedAt = new DateTimeOffset(2026, 12, 31, 23, 59, 59, new TimeSpan(-5, -30, 0)).AddTicks(9_999_999),
        }),
    ];

    [Fact]
    public async Task Python_computes_the_same_signatures()
    {
        var input = string.Join("\n", Cases.Select(c => JsonSerializer.Serialize(new
        {
            secret = c.Secret,
            message = new
            {
                promotionId = c.Message.PromotionId.ToString("D", CultureInfo.InvariantCulture).ToUpperInvariant(),
                c.Message.Integration, c.Message.TicketId, c.Message.Approver, c.Message.Role, c.Message.Decision, c.Message.Comment,
                decidedAt = c.Message.DecidedAt.ToString("o", CultureInfo.InvariantCulture),
                c.Message.ModelName, c.Message.Version, c.Message.TargetStage, c.Message.ManifestDigest, c.Message.Nonce,
            },
        }, Web))) + "\n";

        var python = await RunPythonAsync(Script, input);

        var expected = Cases.Select(c => ApprovalSignature.IsV1(c.Message)
            ? ApprovalSignature.ComputeV1(c.Message, ApprovalSignature.SecretBytes(c.Secret))
            : ApprovalSignature.Compute(c.Message, ApprovalSignature.SecretBytes(c.Secret))).ToList();
        Assert.Equal(expected, python);
        Assert.Equal(Cases.Length, expected.Distinct().Count());
    }

    /// <summary>Runs a Python program with the given standard input; returns its output lines, failing on a non-zero exit.</summary>
    internal static async Task<List<string>> RunPythonAsync(string script, string input)
    {
        var path = Path.Combine(Path.GetTempPath(), $"mreg-approval-{Guid.NewGuid():N}.py");
        await File.WriteAllTextAsync(path, script);
        try
        {
            var start = new ProcessStartInfo(Python, [path])
            {
                RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true,
                StandardInputEncoding = new System.Text.UTF8Encoding(false), StandardOutputEncoding = System.Text.Encoding.UTF8,
            };
            start.Environment["PYTHONIOENCODING"] = "utf-8";
            using var process = Process.Start(start)!;
            await process.StandardInput.WriteAsync(input);
            process.StandardInput.Close();
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            Assert.True(process.ExitCode == 0, $"python exited {process.ExitCode}: {await error}");
            return (await output).Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
        }
        finally
        {
            File.Delete(path);
        }
    }
}
