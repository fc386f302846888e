-- Lmod settings of alliance: rendered by pyherd from sites/alliance.yaml.
-- Point LMOD_RC at this file (or install it as lmodrc.lua) so avail shows the tags
-- and reads the spider cache pyherd deploy refreshes.
propT = {
    ["type_"] = {
        validT = { ["tools"] = 1, ["math"] = 1, },
        displayT = {
            ["tools"] = { short = "(t)", long = "(t)", color = "blue", doc = "Tools for development / Outils de développement" },
            ["math"] = { short = "(math)", long = "(math)", color = "blue", doc = "Mathematical libraries / Bibliothèques mathématiques" },
        },
    },
}
