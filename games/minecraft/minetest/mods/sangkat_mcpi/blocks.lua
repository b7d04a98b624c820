-- The one table between Minecraft legacy block ids (+ data) and minetest_game nodes, both ways.
--
-- Each row is { minecraft id, data or nil (any data), minetest node, param2 or nil }.
-- Minecraft -> Minetest: the row with the exact id and data wins, else the id's row with nil data.
-- Minetest -> Minecraft: the FIRST row naming a node is its canonical id, so several Minecraft
-- blocks may land on one node (stained clay and wool of a colour both become wool:<colour>) and
-- read back as that first row. Nodes missing here read back as stone (1), ids missing here are
-- written as stone too: a build never loses a block, it only loses detail.
local wool_colours = {
	[0] = "white", "orange", "magenta", "blue", "yellow", "green", "pink", "dark_grey",
	"grey", "cyan", "violet", "blue", "brown", "dark_green", "red", "black",
}

-- Minecraft's sixteen dye colours, by data value: this mod registers concrete and terracotta
-- in each (minetest_game has neither), so Sangkat's roads, walls and roofs come back as they went.
local dyes = {
	[0] = {"white", "#f9fffe"}, {"orange", "#f9801d"}, {"magenta", "#c74ebd"}, {"light_blue", "#3ab3da"},
	{"yellow", "#fed83d"}, {"lime", "#80c71f"}, {"pink", "#f38baa"}, {"gray", "#474f52"},
	{"light_gray", "#9d9d97"}, {"cyan", "#169c9c"}, {"purple", "#8932b8"}, {"blue", "#3c44aa"},
	{"brown", "#835432"}, {"green", "#5e7c16"}, {"red", "#b02e26"}, {"black", "#1d1d21"},
}

local rows = {
	{0, nil, "air"},
	{1, nil, "default:stone"},
	{2, nil, "default:dirt_with_grass"},
	{3, nil, "default:dirt"},
	{4, nil, "default:cobble"},
	{5, 0, "default:wood"},
	{5, 1, "default:pine_wood"},
	{5, 2, "default:aspen_wood"},
	{5, 3, "default:junglewood"},
	{5, 4, "default:acacia_wood"},
	{5, nil, "default:wood"},
	{6, nil, "default:sapling"},
	{7, nil, "default:obsidian"},
	{9, nil, "default:water_source"},
	{8, nil, "default:water_source"},
	{8, nil, "default:water_flowing"},
	{11, nil, "default:lava_source"},
	{10, nil, "default:lava_source"},
	{12, 1, "default:desert_sand"},
	{12, nil, "default:sand"},
	{13, nil, "default:gravel"},
	{14, nil, "default:stone_with_gold"},
	{15, nil, "default:stone_with_iron"},
	{16, nil, "default:stone_with_coal"},
	{17, 0, "default:tree"},
	{17, 1, "default:pine_tree"},
	{17, 2, "default:aspen_tree"},
	{17, 3, "default:jungletree"},
	{17, nil, "default:tree"},
	{18, 0, "default:leaves"},
	{18, 1, "default:pine_needles"},
	{18, 2, "default:aspen_leaves"},
	{18, 3, "default:jungleleaves"},
	{18, nil, "default:leaves"},
	{20, nil, "default:glass"},
	{24, nil, "default:sandstone"},
	{31, 1, "default:grass_3"},
	{31, nil, "default:grass_3"},
	{32, nil, "default:dry_shrub"},
	{37, nil, "flowers:dandelion_yellow"},
	{38, 0, "flowers:rose"},
	{38, 1, "flowers:geranium"},
	{38, 2, "flowers:viola"},
	{38, 3, "flowers:dandelion_white"},
	{38, 4, "flowers:tulip"},
	{38, nil, "flowers:rose"},
	{41, nil, "default:goldblock"},
	{42, nil, "default:steelblock"},
	{43, 8, "default:stone_block"},
	{43, nil, "default:stone_block"},
	{44, nil, "stairs:slab_stone"},
	{45, nil, "default:brick"},
	{46, nil, "tnt:tnt"},
	{47, nil, "default:bookshelf"},
	{48, nil, "default:mossycobble"},
	{49, nil, "default:obsidian"},
	{50, nil, "default:torch", 1},
	{53, nil, "stairs:stair_wood"},
	{54, nil, "default:chest"},
	{56, nil, "default:stone_with_diamond"},
	{57, nil, "default:diamondblock"},
	{58, nil, "default:wood"},
	{60, nil, "farming:soil"},
	{61, nil, "default:furnace"},
	{63, nil, "default:sign_wall_wood", 1},
	{68, nil, "default:sign_wall_wood", 2},
	{65, nil, "default:ladder_wood", 2},
	{67, nil, "stairs:stair_cobble"},
	{78, nil, "default:snow"},
	{79, nil, "default:ice"},
	{80, nil, "default:snowblock"},
	{81, nil, "default:cactus"},
	{82, nil, "default:clay"},
	{83, nil, "default:papyrus"},
	{85, nil, "default:fence_wood"},
	{89, nil, "default:meselamp"},
	{98, nil, "default:stonebrick"},
	{102, nil, "xpanes:pane_flat"},
	{107, nil, "doors:gate_wood_closed"},
	{108, nil, "stairs:stair_brick"},
	{109, nil, "stairs:stair_stonebrick"},
	{112, nil, "default:obsidianbrick"},
	{121, nil, "default:silver_sandstone"},
	{126, nil, "stairs:slab_wood"},
	{128, nil, "stairs:stair_sandstone"},
	{133, nil, "default:mese"},
	{139, nil, "walls:cobble"},
	{155, nil, "default:silver_sandstone_block"},
	{161, nil, "default:acacia_leaves"},
	{162, nil, "default:acacia_tree"},
	{169, nil, "sangkat_mcpi:sea_lantern"},
	{170, nil, "farming:straw"},
	{172, nil, "sangkat_mcpi:terracotta"},
	{174, nil, "default:ice"},
	{179, nil, "default:desert_sandstone"},
	{188, nil, "default:fence_wood"},
	{208, nil, "default:dry_dirt"},
	-- Read-back only (their ids already have a canonical node above): what Minetest's own mapgens
	-- and biomes put on the ground.
	{2, nil, "default:dirt_with_dry_grass"},
	{2, nil, "default:dry_dirt_with_dry_grass"},
	{2, nil, "default:dirt_with_coniferous_litter"},
	{2, nil, "default:dirt_with_rainforest_litter"},
	{2, nil, "default:dirt_with_grass_footsteps"},
	{2, nil, "default:dirt_with_snow"},
	{3, nil, "default:permafrost"},
	{3, nil, "default:permafrost_with_stones"},
	{3, nil, "default:permafrost_with_moss"},
	{3, nil, "farming:soil_wet"},
	{12, nil, "default:silver_sand"},
	{1, nil, "default:stone_with_copper"},
	{1, nil, "default:stone_with_tin"},
	{1, nil, "default:stone_with_mese"},
	{4, nil, "default:desert_cobble"},
	{9, nil, "default:river_water_source"},
	{8, nil, "default:river_water_flowing"},
	{10, nil, "default:lava_flowing"},
	{18, nil, "default:bush_leaves"},
	{18, nil, "default:blueberry_bush_leaves"},
	{18, nil, "default:acacia_bush_leaves"},
	{18, nil, "default:pine_bush_needles"},
	{31, nil, "default:grass_1"},
	{31, nil, "default:grass_2"},
	{31, nil, "default:grass_4"},
	{31, nil, "default:grass_5"},
	{31, nil, "default:junglegrass"},
	{31, nil, "default:dry_grass_1"},
	{31, nil, "default:dry_grass_2"},
	{31, nil, "default:dry_grass_3"},
	{31, nil, "default:fern_1"},
	{31, nil, "default:marram_grass_1"},
}

-- Wool (35) and carpet (171, as full blocks) use minetest_game's fifteen wool colours; light blue
-- and blue both become wool:blue (counting down makes blue, 11, the canonical read-back).
for data = 15, 0, -1 do
	table.insert(rows, {35, data, "wool:" .. wool_colours[data]})
end
for data = 15, 0, -1 do
	table.insert(rows, {171, data, "wool:" .. wool_colours[data]})
end
-- Concrete (251) and stained terracotta (159): this mod's own nodes, one per colour.
for data = 0, 15 do
	table.insert(rows, {251, data, "sangkat_mcpi:concrete_" .. dyes[data][1]})
	table.insert(rows, {159, data, "sangkat_mcpi:terracotta_" .. dyes[data][1]})
end

return {rows = rows, dyes = dyes, fallback_id = 1, fallback_node = "default:stone"}
