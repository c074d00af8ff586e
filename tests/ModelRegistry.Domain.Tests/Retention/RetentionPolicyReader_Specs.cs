using ModelRegistry.Retention;
using ModelRegistry.Retention.Rules;

namespace ModelRegistry.Domain.Tests.Retention;

public class RetentionPolicyReader_Specs
{
    private static readonly string Repo = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../.."));

    // Line numbers in the assertions below count lines of this text, starting at 1 on the opening brace.
    private const string Valid = """
        {
          "rules": [
            {
              "name": "vision-experiments",
              "match": { "team": "vision", "modelTag": { "key": "tier", "value": "experimental" } },
              "archiveAfterDays": 30,
              "keepNewest": 3,
              "deleteAfterDays": 60
            },
            {
              "name": "any-scratch",
              "match": { "modelTag": { "key": "scratch" } },
              "archiveAfterDays": 0
            },
            {
              "name": "default",
              "archiveAfterDays": 90,
              "keepNewest": 5
            }
          ]
        }
        """;

    private static string Replace(string from, string to)
    {
        Assert.Contains(from, Valid, StringComparison.Ordinal);
        return Valid.Replace(from, to, StringComparison.Ordinal);
    }

    private static IReadOnlyList<RetentionPolicyError> Errors(string json)
    {
        var result = RetentionPolicyReader.Read(json, "retention.json");
        Assert.Null(result.Policy);
        Assert.False(result.IsValid);
        return result.Errors;
    }

    private static RetentionPolicyError SingleError(string json) => Assert.Single(Errors(json));

    private static void AssertError(RetentionPolicyError error, int line, string path, string message)
    {
        Assert.Equal(("retention.json", line, path), (error.Source, error.Line, error.Path));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.StartsWith(path.Length == 0 ? $"retention.json line {line}: {message}" : $"retention.json line {line}: {path}: ", error.ToString(),
            StringComparison.Ordinal);
    }

    [Fact]
    public void A_valid_policy_is_read_in_full_in_order()
    {
        var result = RetentionPolicyReader.Read(Valid, "retention.json");
        Assert.True(result.IsValid);
        Assert.Empty(result.Errors);
        Assert.Equal(
            [
                new RetentionRule("vision-experiments", "vision", "tier", "experimental", 30, 3, 60),
                new RetentionRule("any-scratch", null, "scratch", null, 0, 0, null),
                new RetentionRule("default", null, null, null, 90, 5, null),
            ],
            result.Policy!.Rules);
    }

    [Fact]
    public void The_built_in_policy_is_the_shipped_file()
    {
        var shipped = File.ReadAllText(Path.Combine(Repo, "config", "retention-policy.json"));
        Assert.Equal(shipped, RetentionPolicyFile.BuiltInJson());
        Assert.Equal([new RetentionRule("default", null, null, null, 90, 5, null)], RetentionPolicyFile.BuiltIn.Rules);
        var (policy, text, errors) = RetentionPolicyFile.Load(null);
        Assert.Same(RetentionPolicyFile.BuiltIn, policy);
        Assert.Equal(shipped, text);
        Assert.Empty(errors);
    }

    [Fact]
    public void A_policy_file_is_read_from_the_path_the_setting_names_and_its_errors_name_the_setting()
    {
        var file = Path.Combine(Path.GetTempPath(), $"retention-{Guid.NewGuid():N}.json");
        try
        {
            File.WriteAllText(file, Replace("\"keepNewest\": 3", "\"keepNewest\": -1"));
            var (policy, _, errors) = RetentionPolicyFile.Load(file);
            Assert.Null(policy);
            Assert.Equal($"Retention:PolicyFile: {file} line 7: rules[0].keepNewest: must be a whole number, 0-10000", Assert.Single(errors));

            File.WriteAllText(file, Valid);
            Assert.Equal(3, RetentionPolicyFile.Load(file).Policy!.Rules.Count);
        }
        finally
        {
            File.Delete(file);
        }
        var (missing, _, unreadable) = RetentionPolicyFile.Load(file);
        Assert.Null(missing);
        Assert.StartsWith($"Retention:PolicyFile: cannot read {file}: ", Assert.Single(unreadable), StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_json_is_one_error_at_its_line()
    {
        var error = SingleError(Replace("\"archiveAfterDays\": 30,", "\"archiveAfterDays\": 30"));
        Assert.Equal(7, error.Line);
        Assert.Equal("", error.Path);
        Assert.StartsWith("retention.json line 7: not valid JSON", error.ToString(), StringComparison.Ordinal);
        Assert.Equal(1, SingleError("").Line);
    }

    [Fact]
    public void The_document_must_be_an_object_with_a_rules_array()
    {
        AssertError(SingleError("[]"), 1, "", "must be an object, not an array");
        AssertError(SingleError("{}"), 1, "rules", "is required");
        AssertError(SingleError("{ \"rules\": {} }"), 1, "rules", "must be an array of rules, not an object");
        AssertError(SingleError("{ \"rules\": [], \"rule\": [] }"), 1, "rule", "unknown property; expected one of rules");
        AssertError(SingleError("{ \"rules\": [ 5 ] }"), 1, "rules[0]", "must be an object, not a number");
    }

    [Fact]
    public void A_policy_without_rules_is_valid_and_keeps_everything()
    {
        var policy = RetentionPolicyReader.Read("{ \"rules\": [] }", "retention.json").Policy!;
        Assert.Empty(policy.Rules);
        Assert.Null(policy.RuleFor("vision", new Dictionary<string, string>()));
    }

    [Fact]
    public void Unknown_and_repeated_fields_are_errors_at_their_line_and_path()
    {
        AssertError(SingleError(Replace("\"keepNewest\": 3,", "\"keepNewest\": 3, \"keepOldest\": 1,")), 7, "rules[0].keepOldest",
            "unknown property; expected one of name, match, archiveAfterDays, keepNewest, deleteAfterDays");
        AssertError(SingleError(Replace("{ \"team\": \"vision\",", "{ \"teams\": \"vision\",")), 5, "rules[0].match.teams",
            "unknown property; expected one of team, modelTag");
        AssertError(SingleError(Replace("\"key\": \"scratch\"", "\"key\": \"scratch\", \"values\": [\"a\"]")), 12, "rules[1].match.modelTag.values",
            "unknown property; expected one of key, value");
        AssertError(SingleError(Replace("\"keepNewest\": 5", "\"keepNewest\": 5, \"keepNewest\": 6")), 18, "rules[2].keepNewest", "appears more than once");
    }

    [Fact]
    public void Every_error_of_the_document_is_reported_in_document_order()
    {
        var json = Replace("\"archiveAfterDays\": 30,", "\"archiveAfterDays\": -1,")
            .Replace("\"match\": { \"modelTag\": { \"key\": \"scratch\" } },", "\"match\": { \"modelTag\": { \"value\": \"x\" } },", StringComparison.Ordinal)
            .Replace("\"keepNewest\": 5", "\"keepNewest\": 5.5", StringComparison.Ordinal);
        var errors = Errors(json);
        Assert.Equal(["rules[0].archiveAfterDays", "rules[1].match.modelTag.key", "rules[2].keepNewest"], errors.Select(e => e.Path));
        Assert.Equal([6, 12, 18], errors.Select(e => e.Line));
    }

    [Fact]
    public void Required_fields_are_reported_at_the_rule()
    {
        AssertError(SingleError(Replace("\"name\": \"default\",", "")), 15, "rules[2].name", "is required");
        AssertError(SingleError(Replace("\"archiveAfterDays\": 90,", "")), 15, "rules[2].archiveAfterDays", "is required");
    }

    [Theory]
    [InlineData("\"name\": \"default\"", "\"name\": \"Default\"", 16, "rules[2].name", "must be a name: 1-100 characters of a-z, 0-9, '.', '_', '-'")]
    [InlineData("\"name\": \"default\"", "\"name\": \"\"", 16, "rules[2].name", "must be a name")]
    [InlineData("\"name\": \"default\"", "\"name\": 7", 16, "rules[2].name", "must be a name")]
    [InlineData("\"team\": \"vision\"", "\"team\": \"\"", 5, "rules[0].match.team", "must be 1-200 characters")]
    [InlineData("\"team\": \"vision\"", "\"team\": [\"vision\"]", 5, "rules[0].match.team", "must be a string, not an array")]
    [InlineData("\"key\": \"scratch\"", "\"key\": null", 12, "rules[1].match.modelTag.key", "must be a string, not null")]
    [InlineData("\"value\": \"experimental\"", "\"value\": true", 5, "rules[0].match.modelTag.value", "must be a string, not a boolean")]
    [InlineData("\"match\": { \"modelTag\": { \"key\": \"scratch\" } }", "\"match\": \"scratch\"", 12, "rules[1].match", "must be an object, not a string")]
    [InlineData("{ \"key\": \"scratch\" }", "\"scratch\"", 12, "rules[1].match.modelTag", "must be an object, not a string")]
    public void Field_values_of_the_wrong_kind_are_errors_at_their_line_and_path(string from, string to, int line, string path, string message) =>
        AssertError(SingleError(Replace(from, to)), line, path, message);

    [Fact]
    public void A_tag_key_or_team_longer_than_200_characters_is_an_error()
    {
        AssertError(SingleError(Replace("\"team\": \"vision\"", $"\"team\": \"{new string('v', 201)}\"")), 5, "rules[0].match.team", "must be 1-200 characters");
        Assert.True(RetentionPolicyReader.Read(Replace("\"team\": \"vision\"", $"\"team\": \"{new string('v', 200)}\""), "retention.json").IsValid);
    }

    [Theory]
    [InlineData("\"archiveAfterDays\": 30", "-1", 6, "rules[0].archiveAfterDays", "must be a whole number of days, 0-36500")]
    [InlineData("\"archiveAfterDays\": 30", "36501", 6, "rules[0].archiveAfterDays", "must be a whole number of days, 0-36500")]
    [InlineData("\"archiveAfterDays\": 30", "1.5", 6, "rules[0].archiveAfterDays", "must be a whole number of days, 0-36500")]
    [InlineData("\"archiveAfterDays\": 30", "\"30\"", 6, "rules[0].archiveAfterDays", "must be a whole number of days, 0-36500")]
    [InlineData("\"deleteAfterDays\": 60", "0", 8, "rules[0].deleteAfterDays", "must be a whole number of days, 1-36500")]
    [InlineData("\"deleteAfterDays\": 60", "36501", 8, "rules[0].deleteAfterDays", "must be a whole number of days, 1-36500")]
    [InlineData("\"deleteAfterDays\": 60", "null", 8, "rules[0].deleteAfterDays", "must be a whole number of days, 1-36500")]
    [InlineData("\"keepNewest\": 3", "-1", 7, "rules[0].keepNewest", "must be a whole number, 0-10000")]
    [InlineData("\"keepNewest\": 3", "10001", 7, "rules[0].keepNewest", "must be a whole number, 0-10000")]
    [InlineData("\"keepNewest\": 3", "2.5", 7, "rules[0].keepNewest", "must be a whole number, 0-10000")]
    public void Numbers_out_of_range_are_errors_at_their_line_and_path(string field, string value, int line, string path, string message)
    {
        var name = field[..(field.IndexOf(':', StringComparison.Ordinal) + 1)];
        AssertError(SingleError(Replace(field, $"{name} {value}")), line, path, message);
    }

    [Theory]
    [InlineData("\"archiveAfterDays\": 30", "\"archiveAfterDays\": 0")]
    [InlineData("\"archiveAfterDays\": 30", "\"archiveAfterDays\": 36500")]
    [InlineData("\"deleteAfterDays\": 60", "\"deleteAfterDays\": 1")]
    [InlineData("\"deleteAfterDays\": 60", "\"deleteAfterDays\": 36500")]
    [InlineData("\"keepNewest\": 3", "\"keepNewest\": 0")]
    [InlineData("\"keepNewest\": 3", "\"keepNewest\": 10000")]
    public void The_ends_of_each_range_are_valid(string from, string to) =>
        Assert.True(RetentionPolicyReader.Read(Replace(from, to), "retention.json").IsValid);

    [Fact]
    public void Two_rules_with_one_name_are_an_error_at_the_second_name()
    {
        var error = SingleError(Replace("\"name\": \"any-scratch\"", "\"name\": \"vision-experiments\""));
        AssertError(error, 11, "rules[1].name", "'vision-experiments' names an earlier rule too");
    }
}
