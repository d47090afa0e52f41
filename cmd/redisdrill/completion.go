package main

import (
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/redisdrill/redisdrill/scenarios"
)

// completeScenarios completes --scenario with the registry's names.
func completeScenarios(_ *cobra.Command, _ []string, prefix string) ([]string, cobra.ShellCompDirective) {
	var out []string
	for _, s := range scenarios.All() {
		if strings.HasPrefix(s.Name, prefix) {
			out = append(out, s.Name+"\t"+firstSentence(s.Description))
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// completeLabels completes --label with every label the registry uses
// (the last word of an expression being typed).
func completeLabels(_ *cobra.Command, _ []string, prefix string) ([]string, cobra.ShellCompDirective) {
	head, word := "", prefix
	if i := strings.LastIndexAny(prefix, " &|!("); i >= 0 {
		head, word = prefix[:i+1], prefix[i+1:]
	}
	var labels []string
	for _, s := range scenarios.All() {
		for _, l := range s.AllLabels() {
			if strings.HasPrefix(l, word) && !slices.Contains(labels, l) {
				labels = append(labels, l)
			}
		}
	}
	slices.Sort(labels)
	out := make([]string, len(labels))
	for i, l := range labels {
		out[i] = head + l
	}
	return out, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace
}

func firstSentence(s string) string {
	if i := strings.IndexAny(s, ":;"); i > 0 {
		return s[:i]
	}
	return s
}
