using System.Globalization;
using System.Text;
using Dapper;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using ModelRegistry.Platform.Audit;
using ModelRegistry.Testing;
using Npgsql;

namespace ModelRegistry.Persistence.Tests.Audit;

/// <summary>
/// The database's canonical form and hash (migration 0018: registry.audit_canonical_json, registry.audit_hash, which the insert
/// trigger checks) are AuditChain's, byte for byte, for generated records: nested details, names that sort differently by
/// UTF-16 and by code point, duplicate names, every control character, escaped and raw non-ASCII, numbers in every JSON
/// spelling (1.50, 1e2, -0.0, 1.5e-3, 12E-1, long digit strings), empty objects and arrays; and what AuditLog appends with
/// them is accepted by the database and verifies.
/// </summary>
public sealed class AuditDatabaseHash_Properties(IsolatedEnvironment env) : IClassFixture<IsolatedEnvironment>
{
    // Names chosen to collide (duplicates), to sort differently by UTF-16 unit and by code point (U+FF5A vs U+1F600), and to need escapes.
    private static readonly string[] Names = ["a", "b", "A", "aa", "", "é", "z", "ｚ", "😀", "日本", "a\u0001", "\"q", "\\", "a b", "version"];

    private static readonly string[] NumberSpellings =
    [
        "0", "-0", "-0.0", "0.0", "1.50", "1e2", "1E+2", "1.5e-3", "12e-1", "0.1e1", "-1.5E3", "100", "1e-7", "2.500e1",
        "123456789012345678901234567890.123456789", "-0.000e5", "1e300", "7e-300",
    ];

    // Every control character (escaped, as JSON requires), quote, backslash, slash, DEL, non-ASCII in one, two, three and four bytes.
    private static readonly char[] Characters =
        [.. Enumerable.Range(1, 0x1f).Select(c => (char)c), '"', '\\', '/', '\u007f', 'a', 'Z', ' ', 'é', 'ß', '日', '\u2028', '\uffff'];

    private static Gen<string> Number() => Gen.OneOf(
        Gen.Elements(NumberSpellings),
        from negative in Gen.Elements(false, true)
        from integer in Gen.Choose(0, 100_000)
        from fraction in Gen.Elements("", ".0", ".5", ".25", ".000", ".1234567")
        from exponent in Gen.Elements("", "e0", "e3", "E-2", "e+5", "e-12", "E21")
        select (negative ? "-" : "") + integer.ToString(CultureInfo.InvariantCulture) + fraction + exponent);

    private static Gen<string> Text() =>
        from parts in Gen.ListOf(Gen.OneOf(Gen.Elements(Characters).Select(c => c.ToString()), Gen.Constant("😀")))
        select string.Concat(parts);

    /// <summary>A JSON string for <paramref name="value"/>: controls, quote and backslash escaped; other characters raw or \u-escaped by <paramref name="escapeAll"/>.</summary>
    private static string JsonString(string value, bool escapeAll)
    {
        var b = new StringBuilder("\"");
        foreach (var c in value)
        {
            if (c is '"' or '\\') b.Append('\\').Append(c);
            else if (c < 0x20 || (escapeAll && c > 0x7e)) b.Append("\\u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
            else b.Append(c);
        }
        return b.Append('"').ToString();
    }

    private static Gen<string> Value(int depth) => depth <= 0
        ? Scalar()
        : Gen.Frequency(
            (4, Scalar()),
            (2, Object(depth - 1)),
            (1, from items in Gen.ListOf(Value(depth - 1)) from spaced in Gen.Elements(false, true)
                select "[" + string.Join(spaced ? " , " : ",", items) + "]"));

    private static Gen<string> Scalar() => Gen.Frequency(
        (3, Number()),
        (3, from text in Text() from escape in Gen.Elements(false, true) select JsonString(text, escape)),
        (1, Gen.Elements("true", "false", "null")));

    private static Gen<string> Object(int depth) =>
        from members in Gen.ListOf(
            from name in Gen.OneOf(Gen.Elements(Names), Text())
            from escape in Gen.Elements(false, true)
            from value in Value(depth)
            select JsonString(name, escape) + ": " + value)
        select "{" + string.Join(", ", members) + "}";

    private static Arbitrary<string> Details() => Object(3).ToArbitrary();

    private sealed record Record(long Sequence, DateTimeOffset RecordedAt, string Actor, string Subject, string? ModelName, string Details,
        string PreviousHash);

    private static Arbitrary<Record> Records() =>
        (from sequence in Gen.Choose(1, int.MaxValue)
         from ticks in Gen.Choose(0, int.MaxValue)
         from day in Gen.Choose(0, 3_652_058)
         from actor in Text().Where(t => t.Length > 0)
         from subject in Text().Where(t => t.Length > 0)
         from model in Gen.OneOf(Gen.Constant<string?>(null), Text().Where(t => t.Length > 0).Select(t => (string?)t))
         from details in Object(3)
         from previous in Gen.ArrayOf(Gen.Elements("0123456789abcdef".ToCharArray()), 64)
         // At whole microseconds, as AuditLog stores it (Npgsql rounds a finer instant, AuditChain truncates it).
         select new Record(sequence * 7L, AuditChain.Truncate(new DateTimeOffset(DateTime.MinValue.AddDays(day).AddTicks(ticks), TimeSpan.Zero)),
             actor, subject, model, details, new string(previous))).ToArbitrary();

    [Property(MaxTest = 300)]
    public Property The_database_writes_any_details_in_the_canonical_form_of_AuditChain() =>
        Prop.ForAll(Details(), json =>
        {
            using var c = Open();
            Assert.Equal(AuditChain.CanonicalDetails(json),
                c.ExecuteScalar<string>("SELECT registry.audit_canonical_json(@Json::jsonb)", new { Json = json }));
        });

    [Property(MaxTest = 300)]
    public Property The_database_hashes_any_record_as_AuditChain_does() =>
        Prop.ForAll(Records(), r =>
        {
            using var c = Open();
            var args = new
            {
                r.Sequence, r.RecordedAt, r.Actor, Action = "test.generated", SubjectType = "generated", r.Subject, r.ModelName,
                r.Details, r.PreviousHash,
            };
            var canonical = c.ExecuteScalar<string>("""
                SELECT registry.audit_canonical(@Sequence, @RecordedAt, @Actor, @Action, @SubjectType, @Subject, @ModelName::text,
                    @Details::jsonb, @PreviousHash)
                """, args);
            var hash = c.ExecuteScalar<string>("""
                SELECT registry.audit_hash(@Sequence, @RecordedAt, @Actor, @Action, @SubjectType, @Subject, @ModelName::text,
                    @Details::jsonb, @PreviousHash)
                """, args);
            Assert.Equal(AuditChain.Canonical(r.Sequence, r.RecordedAt, r.Actor, "test.generated", "generated", r.Subject, r.ModelName,
                r.Details, r.PreviousHash), canonical);
            Assert.Equal(AuditChain.ComputeHash(r.Sequence, r.RecordedAt, r.Actor, "test.generated", "generated", r.Subject, r.ModelName,
                r.Details, r.PreviousHash), hash);
        });

    [Property(MaxTest = 100)]
    public Property What_AuditLog_appends_with_any_details_the_database_accepts_and_it_verifies() =>
        Prop.ForAll(Details(), json =>
        {
            using var c = Open();
            using var tx = c.BeginTransaction();
            var entry = AuditLog.AppendAsync(c, tx, new AuditAppend("svc:property", "test.generated", "generated", "s", null,
                System.Text.Json.JsonDocument.Parse(json).RootElement), DateTimeOffset.UtcNow, default).GetAwaiter().GetResult();
            tx.Commit();
            var report = new AuditReader(env.DataSource).VerifyAsync().GetAwaiter().GetResult();
            Assert.True(report.Verification.Ok, report.Verification.Reason);
            Assert.Equal(entry.Hash, report.Verification.LastHash);
        });

    private NpgsqlConnection Open() => env.DataSource.OpenConnection();
}
